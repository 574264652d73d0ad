"""The ERROR and MISSING nodes of a tree-sitter parse, shared by the Swift and Kotlin syntax checks."""

def problems(tree) -> list[tuple[int, int, str]]:
    """(line, column, description) of every ERROR / MISSING node, 1-based, in source order."""
    found = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_missing:
            found.append((node.start_point.row + 1, node.start_point.column + 1, f"MISSING {node.type}"))
        elif node.is_error:
            snippet = (node.text or b"").decode("utf-8", "replace").splitlines()
            first = snippet[0].strip()[:60] if snippet else ""
            found.append((node.start_point.row + 1, node.start_point.column + 1, f"ERROR near `{first}`"))
        if node.has_error:
            stack.extend(reversed(node.children))
    return sorted(found)
