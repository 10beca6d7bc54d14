"""Find library convolution routines in the student's functions, statically."""

import ast
from dataclasses import dataclass

from convgrade.contract import FORBIDDEN

IMPORT_FUNCTIONS = ("importlib.import_module", "__import__", "builtins.__import__")
# Calls that look an attribute up by name: getattr(m, "x"), vars(m)["x"], m.__dict__["x"].
NAMESPACE_FUNCTIONS = ("vars", "builtins.vars")
GETATTR_FUNCTIONS = ("getattr", "builtins.getattr", "operator.attrgetter")


@dataclass(frozen=True)
class ForbiddenUse:
    """One use of a forbidden routine: what it is and where."""

    name: str
    cell: str
    line: int

    def describe(self):
        return f"{self.name} ({self.cell}, line {self.line})"


class _Scanner(ast.NodeVisitor):
    """Collects aliases (name -> module path), top-level units, and forbidden uses.

    A unit is a top-level function or class, or a module-level assignment
    (`conv = lambda i, k: ...`, `helper = vars(np)["convolve"]`): the names it refers to
    are followed when deciding what a student's function can reach.
    """

    def __init__(self, policy):
        self.policy = policy
        self.aliases = {}
        self.functions = {}
        self.uses = {}  # unit name (or None at module level) -> [ForbiddenUse]
        self.calls = {}  # unit name -> names it refers to
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
            if self.policy.forbids(alias.name):
                self._record(alias.name, node)

    def visit_ImportFrom(self, node):
        module = node.module or ""
        for alias in node.names:
            if alias.name == "*" and module == "numpy":
                self.aliases.update({n: f"numpy.{n}" for n in self.policy.numpy_names})
                continue
            qualified = f"{module}.{alias.name}"
            self.aliases[alias.asname or alias.name] = qualified
            if self.policy.forbids(qualified) or self.policy.forbids(module):
                self._record(qualified, node)

    def visit_FunctionDef(self, node):
        outer = self._function
        if outer is None:
            self.functions[node.name] = node
        self._function = node.name if outer is None else outer
        self.generic_visit(node)
        self._function = outer

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_Assign(self, node):
        # `conv = np.convolve`, `mod = importlib.import_module("scipy.signal")`,
        # `c = vars(np._core.numeric)["correlate"]`
        target = self._qualified(node.value)
        names = [n for t in node.targets for n in self._target_names(t)]
        if target:
            for name_node in node.targets:
                if isinstance(name_node, ast.Name):
                    self.aliases[name_node.id] = target
        if self._function is not None or not names:
            self.generic_visit(node)
            return
        # A module-level assignment is a unit of its own, named by its targets.
        for name in names:
            self.functions.setdefault(name, node)
        for name in names[1:]:
            self.calls.setdefault(name, set()).add(names[0])
        self._function = names[0]
        self.generic_visit(node)
        self._function = None

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.visit_Assign(
                ast.Assign(targets=[node.target], value=node.value, lineno=node.lineno)
            )

    def _target_names(self, target):
        """Names an assignment binds: `a`, `a, b`, and `globals()["a"]`."""
        if isinstance(target, ast.Name):
            return [target.id]
        if isinstance(target, (ast.Tuple, ast.List)):
            return [n for element in target.elts for n in self._target_names(element)]
        if isinstance(target, ast.Subscript) and self._is_globals(target.value):
            key = _constant_string(target.slice)
            return [key] if key else []
        return []

    def visit_Name(self, node):
        if self._function is not None:
            self.calls.setdefault(self._function, set()).add(node.id)
        qualified = self.aliases.get(node.id)
        if qualified and self.policy.forbids(qualified) and isinstance(node.ctx, ast.Load):
            self._record(qualified, node)

    def visit_Attribute(self, node):
        qualified = self._qualified(node)
        if qualified and self.policy.forbids(qualified):
            self._record(qualified, node)
            return
        self.generic_visit(node)

    visit_Subscript = visit_Attribute

    def visit_Call(self, node):
        qualified = self._qualified(node)
        if qualified and self.policy.forbids(qualified):
            self._record(qualified, node)
        self.generic_visit(node)

    def _is_globals(self, node):
        return (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("globals", "vars", "locals")
            and not node.args
        )

    def _function_name(self, node):
        return self._qualified(node) or (node.id if isinstance(node, ast.Name) else None)

    def _qualified(self, node):
        """Resolve an expression naming a module or routine to its dotted name, or None.

        `np.lib.x` gives 'numpy.lib.x' through the aliases; so do getattr(np, "x"),
        vars(np)["x"], np.__dict__["x"], np.__dict__.get("x"), sys.modules["numpy"],
        importlib.import_module("numpy") and globals()["np"], in any nesting.
        """
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            owner = self._qualified(node.value)
            return f"{owner}.{node.attr}" if owner else None
        if isinstance(node, ast.Subscript):
            key = _constant_string(node.slice)
            if key is None:
                return None
            if self._is_globals(node.value):
                return self.aliases.get(key)
            return _lookup(self._qualified(node.value), key)
        if not isinstance(node, ast.Call):
            return None
        function = self._function_name(node.func)
        args = node.args
        if function in IMPORT_FUNCTIONS and args:
            return _constant_string(args[0])
        if function in GETATTR_FUNCTIONS[:2] and len(args) >= 2:
            owner, attribute = self._qualified(args[0]), _constant_string(args[1])
            return f"{owner}.{attribute}" if owner and attribute else None
        if function in NAMESPACE_FUNCTIONS and len(args) == 1:
            owner = self._qualified(args[0])
            return f"{owner}.__dict__" if owner else None
        if function and function.endswith((".__dict__.get", "sys.modules.get")) and args:
            return _lookup(function[: -len(".get")], _constant_string(args[0]))
        # operator.attrgetter("convolve")(np)
        inner = node.func
        if isinstance(inner, ast.Call) and inner.args and args:
            if self._function_name(inner.func) == GETATTR_FUNCTIONS[2]:
                owner, attribute = self._qualified(args[0]), _constant_string(inner.args[0])
                return f"{owner}.{attribute}" if owner and attribute else None
        return None


def _lookup(namespace, key):
    """`numpy.__dict__` and "convolve" give 'numpy.convolve'; `sys.modules` and "x" give 'x'."""
    if not namespace or not key:
        return None
    if namespace == "sys.modules":
        return key
    if namespace.endswith(".__dict__"):
        return f"{namespace[: -len('.__dict__')]}.{key}"
    return None


def _constant_string(node):
    """The value of a string built from constants, or None.

    Also when spelled "scipy." + "signal", f"..." of constants, "".join([...]) of
    constants, or sliced ("evlovnoc"[::-1]).
    """
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _constant_string(node.left), _constant_string(node.right)
        return left + right if left is not None and right is not None else None
    if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
        return "".join(str(v.value) for v in node.values)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and len(node.args) == 1
        and isinstance(node.args[0], (ast.List, ast.Tuple))
    ):
        separator = _constant_string(node.func.value)
        parts = [_constant_string(e) for e in node.args[0].elts]
        if separator is not None and None not in parts:
            return separator.join(parts)
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        text = _constant_string(node.value)
        bounds = [node.slice.lower, node.slice.upper, node.slice.step]
        values = [_constant_int(b) for b in bounds]
        if text is not None and all(v is not False for v in values):
            return text[slice(*values)]
    return None


def _constant_int(node):
    """None for a missing bound, the int for a constant one, False otherwise."""
    if node is None:
        return None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _constant_int(node.operand)
        return -value if isinstance(value, int) and value is not False else False
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return False


def find_forbidden(cells, entry_points, policy=FORBIDDEN):
    """Map each entry point to the forbidden routines it can reach.

    Parameters
    ----------
    cells : list of dict
        ``{"label": str, "source": str}``, in notebook order.
    entry_points : iterable of str
        Function names to start from, e.g. ("convolve", "convolve_color").
    policy : ForbiddenPolicy
        What is forbidden; the sandboxed worker blocks the same policy at run time.

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
    scanner = _Scanner(policy)
    for label, tree in trees:
        scanner.scan(label, tree)
    aliases = scanner.aliases
    scanner = _Scanner(policy)
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
