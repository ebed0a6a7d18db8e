"""Module trees as indented text, so tests compare them at a glance."""


def labels(nodes, depth=0):
    out = []
    for node in nodes:
        mark = "*" if node.touched else ""
        out.append("  " * depth + node.label + mark + (f" x{node.repeat}" if node.repeat > 1 else ""))
        out.extend(labels(node.children, depth + 1))
    return out
