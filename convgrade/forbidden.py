"""Find library convolution routines in the student's functions, statically."""

import ast
from dataclasses import dataclass

FORBIDDEN_MODULES = (
    "scipy.signal",
    "scipy.ndimage",
    "cv2",
    "skimage.filters",
    "skimage",
    "torch",
    "tensorflow",
    "astropy.convolution",
)
FORBIDDEN_NUMPY_NAMES = ("convolve", "correlate", "correlate2")
IMPORT_FUNCTIONS = ("importlib.import_module", "__import__", "builtins.__import__")


@dataclass(frozen=True)
class ForbiddenUse:
    """One use of a forbidden routine: what it is and where."""

    name: str
    cell: str
    line: int

    def describe(self):
        return f"{self.name} ({self.cell}, line {self.line})"


def is_forbidden(qualified_name):
    """Is this dotted name a library routine the assignment forbids?

    Examples
    --------
    >>> is_forbidden("numpy.convolve"), is_forbidden("scipy.signal.correlate2d")
    (True, True)
    >>> is_forbidden("numpy.lib.stride_tricks.sliding_window_view")
    False
    """
    if qualified_name.startswith("numpy."):
        return qualified_name.rsplit(".", 1)[-1] in FORBIDDEN_NUMPY_NAMES
    return any(qualified_name == m or qualified_name.startswith(m + ".") for m in FORBIDDEN_MODULES)


class _Scanner(ast.NodeVisitor):
    """Collects aliases (name -> module path), top-level functions, and forbidden uses."""

    def __init__(self):
        self.aliases = {}
        self.functions = {}
        self.uses = {}  # function name (or None at module level) -> [ForbiddenUse]
        self.calls = {}  # function name -> names it refers to
        self._function = None
        self._cell = ""

    def scan(self, cell_label, tree):
        self._cell = cell_label
        self.visit(tree)

    def _record(self, name, node):
        use = ForbiddenUse(name, self._cell, getattr(node, "lineno", 0))
        self.uses.setdefault(self._function, []).append(use)

    def visit_Import(self, node):
        for alias in node.names:
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.aliases.setdefault(top, top)
            if is_forbidden(alias.name):
                self._record(alias.name, node)

    def visit_ImportFrom(self, node):
        module = node.module or ""
        for alias in node.names:
            if alias.name == "*" and module == "numpy":
                self.aliases.update({n: f"numpy.{n}" for n in FORBIDDEN_NUMPY_NAMES})
                continue
            qualified = f"{module}.{alias.name}"
            self.aliases[alias.asname or alias.name] = qualified
            if is_forbidden(qualified) or is_forbidden(module):
                self._record(qualified, node)

    def visit_FunctionDef(self, node):
        outer = self._function
        if outer is None:
            self.functions[node.name] = node
        self._function = node.name if outer is None else outer
        self.generic_visit(node)
        self._function = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node):
        # `conv = np.convolve` or `mod = importlib.import_module("scipy.signal")`
        target = self._qualified(node.value) or self._imported_module(node.value)
        if target:
            for name_node in node.targets:
                if isinstance(name_node, ast.Name):
                    self.aliases[name_node.id] = target
        self.generic_visit(node)

    def visit_Name(self, node):
        if self._function is not None:
            self.calls.setdefault(self._function, set()).add(node.id)
        qualified = self.aliases.get(node.id)
        if qualified and is_forbidden(qualified) and isinstance(node.ctx, ast.Load):
            self._record(qualified, node)

    def visit_Attribute(self, node):
        qualified = self._qualified(node)
        if qualified and is_forbidden(qualified):
            self._record(qualified, node)
            return
        self.generic_visit(node)

    def visit_Call(self, node):
        module = self._imported_module(node)
        if module and is_forbidden(module):
            self._record(module, node)
        # getattr(np, "convolve")
        attribute = _constant_string(node.args[1]) if len(node.args) >= 2 else None
        if isinstance(node.func, ast.Name) and node.func.id == "getattr" and attribute:
            owner = self._qualified(node.args[0])
            if owner and is_forbidden(f"{owner}.{attribute}"):
                self._record(f"{owner}.{attribute}", node)
        self.generic_visit(node)

    def _qualified(self, node):
        """Resolve `np.lib.x` to 'numpy.lib.x' through the aliases, or None."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in self.aliases:
            return None
        return ".".join([self.aliases[node.id]] + parts[::-1])

    def _imported_module(self, node):
        """'scipy.signal' for importlib.import_module("scipy.signal") and __import__ calls."""
        if not isinstance(node, ast.Call) or not node.args:
            return None
        function = self._qualified(node.func) or (
            node.func.id if isinstance(node.func, ast.Name) else None
        )
        if function in IMPORT_FUNCTIONS:
            return _constant_string(node.args[0])
        return None


def _constant_string(node):
    """The value of a string constant, also when spelled as "scipy." + "signal"; else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _constant_string(node.left), _constant_string(node.right)
        return left + right if left is not None and right is not None else None
    if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
        return "".join(str(v.value) for v in node.values)
    return None


def find_forbidden(cells, entry_points):
    """Map each entry point to the forbidden routines it can reach.

    Parameters
    ----------
    cells : list of dict
        ``{"label": str, "source": str}``, in notebook order.
    entry_points : iterable of str
        Function names to start from, e.g. ("convolve", "convolve_color").

    Returns
    -------
    dict of str to list of ForbiddenUse
        Only entry points with at least one use appear.

    Examples
    --------
    >>> code = "import numpy as n\\ndef convolve(i, k):\\n    return n.convolve(i, k)"
    >>> found = find_forbidden([{"label": "cell 2", "source": code}], ["convolve"])
    >>> found["convolve"][0].describe()
    'numpy.convolve (cell 2, line 3)'
    """
    trees = []
    for cell in cells:
        try:
            trees.append((cell["label"], ast.parse(cell["source"])))
        except SyntaxError:
            continue
    # Two passes: the first learns every alias, wherever in the notebook it is defined.
    scanner = _Scanner()
    for label, tree in trees:
        scanner.scan(label, tree)
    aliases = scanner.aliases
    scanner = _Scanner()
    scanner.aliases = aliases
    for label, tree in trees:
        scanner.scan(label, tree)
    found = {}
    for entry in entry_points:
        reachable, todo = set(), [entry]
        while todo:
            name = todo.pop()
            if name in reachable or name not in scanner.functions:
                continue
            reachable.add(name)
            todo.extend(scanner.calls.get(name, ()))
        uses = [use for name in sorted(reachable) for use in scanner.uses.get(name, [])]
        if uses:
            found[entry] = uses
    return found
