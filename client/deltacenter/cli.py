"""`deltacenter`: log in, push a directory, pull a delta, list and inspect deltas, hash a backbone."""

import argparse
import getpass
import json
import sys
from collections.abc import Sequence

from deltacenter.config import resolve_endpoint, save_login
from deltacenter.errors import DeltaCenterError
from deltacenter.hub import DeltaCenter


def _login(args: argparse.Namespace) -> None:
    endpoint = resolve_endpoint(args.endpoint)
    token = args.token or getpass.getpass(f"Token for {endpoint} (create one on your tokens page): ").strip()
    who = DeltaCenter(endpoint, token).whoami()
    path = save_login(endpoint, token)
    print(f"Logged in to {endpoint} as {who['username']}; token saved in {path}.")


def _whoami(args: argparse.Namespace) -> None:
    who = DeltaCenter(args.endpoint).whoami()
    print(
        f"{who['username']} (namespaces: {', '.join(who['namespaces']) or 'none'}; scopes: {', '.join(who['scopes'])})"
    )


def _metrics(pairs: list[str] | None) -> dict[str, float] | None:
    metrics = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        try:
            metrics[name] = float(value)
        except ValueError:
            raise DeltaCenterError(f"--metric takes name=number, not {pair!r}.") from None
        if not sep or not name:
            raise DeltaCenterError(f"--metric takes name=number, not {pair!r}.")
    return metrics or None


def _push(args: argparse.Namespace) -> None:
    from deltacenter.push import push_to_hub

    result = push_to_hub(
        args.directory,
        args.repo_id,
        backbone=args.backbone,
        task=args.task,
        datasets=args.dataset or None,
        metrics=_metrics(args.metric),
        tags=args.tag or None,
        license=args.license,
        private=True if args.private else None,
        commit_message=args.message,
        endpoint=args.endpoint,
    )
    state = "new version" if result.created else "unchanged"
    print(f"{result.repo_id} version {result.number} ({result.commit_id[:12]}): {state}. {result.url}")
    print(f"Sent {_size(result.bytes_uploaded)}; skipped {_size(result.bytes_skipped)} the hub had already.")


def _size(count: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return str(count)


def _pull(args: argparse.Namespace) -> None:
    from deltacenter.pull import download_snapshot

    directory, _ = download_snapshot(DeltaCenter(args.endpoint), args.repo_id, args.revision, args.cache_dir)
    print(directory)


def _ls(args: argparse.Namespace) -> None:
    filters = {
        "backbone": args.backbone,
        "delta_type": args.type,
        "task": args.task,
        "dataset": args.dataset,
        "tag": args.tag,
        "author": args.author,
        "license": args.license,
        "q": args.search,
        "sort": args.sort,
        "validation": args.validation,
    }
    for delta in DeltaCenter(args.endpoint).list(limit=args.limit, **filters):
        print(
            f"{delta['id']:<48} {delta['delta_type']:<9} {delta['task'] or '-':<16} {delta['validation_state']:<11} "
            f"↓{delta['downloads_count']} ♥{delta['likes_count']}"
        )


def _bind(args: argparse.Namespace) -> None:
    delta = DeltaCenter(args.endpoint).bind_backbone(args.repo_id, args.backbone)
    print(f"{delta['id']} is bound to {delta['backbone']['name']} ({delta['backbone']['content_hash'][:12]}…).")


def _hash(args: argparse.Namespace) -> None:
    from deltacenter.checkpoints import content_hash_of

    print(content_hash_of(args.model))


def _info(args: argparse.Namespace) -> None:
    print(json.dumps(DeltaCenter(args.endpoint).info(args.repo_id), indent=2))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deltacenter", description="Publish and fetch fine-tuning deltas.")
    parser.add_argument("--endpoint", help="Hub URL (default: $DELTACENTER_ENDPOINT or the saved login).")
    commands = parser.add_subparsers(dest="command", required=True)

    login = commands.add_parser("login", help="Save an API token for this hub.")
    login.add_argument("--token")
    login.set_defaults(run=_login)
    commands.add_parser("whoami", help="Show who the token belongs to.").set_defaults(run=_whoami)

    push = commands.add_parser("push", help="Push a delta directory (PEFT save_pretrained or BitFit).")
    push.add_argument("directory")
    push.add_argument("repo_id", help="namespace/name")
    push.add_argument("--backbone", required=True, help="Content hash of the backbone it was trained on.")
    push.add_argument("--task")
    push.add_argument("--dataset", action="append")
    push.add_argument("--tag", action="append")
    push.add_argument("--metric", action="append", help="Claimed metric, name=value (repeatable).")
    push.add_argument("--license")
    push.add_argument("--private", action="store_true")
    push.add_argument("--message", help="Commit message.")
    push.set_defaults(run=_push)

    pull = commands.add_parser("pull", help="Download a delta into the cache and print its directory.")
    pull.add_argument("repo_id")
    pull.add_argument("--revision", default="main")
    pull.add_argument("--cache-dir")
    pull.set_defaults(run=_pull)

    ls = commands.add_parser("ls", help="List deltas.")
    for name in ("backbone", "type", "task", "dataset", "tag", "author", "license", "search"):
        ls.add_argument(f"--{name}")
    ls.add_argument(
        "--validation",
        choices=["scored", "fits", "failed", "queued", "running", "unvalidated"],
        help="Only deltas with this validation state.",
    )
    ls.add_argument("--sort", choices=["recent", "updated", "downloads", "likes", "score"])
    ls.add_argument("--limit", type=int, default=20)
    ls.set_defaults(run=_ls)

    bind = commands.add_parser("bind", help="Name the backbone of a delta the hub could not bind by itself.")
    bind.add_argument("repo_id")
    bind.add_argument("backbone", help="Content hash of the registered backbone it was trained on.")
    bind.set_defaults(run=_bind)

    hash_command = commands.add_parser(
        "hash", help="Print a model's content hash: a local directory of weights, or a name in the Hugging Face cache."
    )
    hash_command.add_argument("model", help="A save_pretrained directory, or a name such as org/model.")
    hash_command.set_defaults(run=_hash)

    info = commands.add_parser("info", help="Show a delta's metadata and latest version.")
    info.add_argument("repo_id")
    info.set_defaults(run=_info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except DeltaCenterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
