"""Find library convolution routines in the student's functions, statically."""

import ast
import symtable
from dataclasses import dataclass, field

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


# The names symtable gives the scopes that have no name of their own.
SCOPE_NAMES = {
    ast.Lambda: "lambda",
    ast.ListComp: "listcomp",
    ast.SetComp: "setcomp",
    ast.DictComp: "dictcomp",
    ast.GeneratorExp: "genexpr",
}


class _Scope:
    """One scope of a cell: Python's own rules (from symtable) say which names are its own.

    A function's parameters, assignment, loop, with, except and comprehension targets, its
    nested defs and classes and its imports are local to it: module-level code of the same
    name (a scratch cell's `result = np.convolve(...)`) is not what the function uses.
    `node` is the def, lambda, class or comprehension; None is the notebook's module level,
    which all cells share.
    """

    def __init__(self, node, table, parent):
        self.node, self.table, self.parent = node, table, parent
        self._taken = set()

    def child(self, node):
        """The scope `node` opens, or this one where symtable has none for it (Python 3.12
        inlines list, set and dict comprehensions: their names then live here)."""
        name = getattr(node, "name", None) or SCOPE_NAMES[type(node)]
        for table in self.table.get_children():
            key = table.get_id()
            if table.get_name() == name and table.get_lineno() == node.lineno:
                if key not in self._taken:
                    self._taken.add(key)
                    return _Scope(node, table, self)
        return self

    def owner(self, name):
        """The scope node whose binding of `name` code in this scope uses (None: module level).

        A name the table does not know is taken as module-level: following it can only
        find more, never hide a forbidden routine.
        """
        scope = self
        while scope.node is not None:
            try:
                symbol = scope.table.lookup(name)
            except KeyError:
                return None
            if symbol.is_global():
                return None
            if not symbol.is_free():
                return scope.node
            # A name of an enclosing function (or `nonlocal`): class bodies do not enclose.
            scope = scope.parent
            while scope.node is not None and scope.table.get_type() == "class":
                scope = scope.parent
        return None


@dataclass
class _Learned:
    """Aliases the scan learns, kept from one pass over the notebook to the next."""

    # scope node (None: module level) -> {name: dotted path of the module or routine}
    aliases: dict = field(default_factory=lambda: {None: {}})
    origins: dict = field(default_factory=dict)  # module-level alias -> (cell, line)
    late: set = field(default_factory=set)  # module-level aliases a function binds (`global`)


def _binds_when_called(unit, name):
    """Does `unit` bind `name` from inside a function or class body (`global name`), rather
    than by being the def or assignment of that name?"""
    return isinstance(unit, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and (
        unit.name != name
    )


class _Scanner(ast.NodeVisitor):
    """Collects aliases (name -> module path), units, and forbidden uses.

    A unit is a module-level statement that binds names: a function or class (at any depth
    of `if`/`try`, not inside another function), or an assignment (`conv = lambda i, k:
    ...`, `helper = vars(np)["convolve"]`). The module-level names a unit reads are followed
    to the units that bind them when deciding what a student's function can reach; names
    local to the function are not.

    Module-level bindings follow notebook order: a `def` or `class` directly in a cell
    replaces every earlier binding of its name (`from numpy import *` then the student's own
    `def convolve`), as it does when the cells run (unless its decorator or a default
    raises; the routine left bound is then the sandbox's to block at run time). Any other
    binding (an assignment, one inside `if`, one made through `global` in a function) adds
    to the earlier ones instead, since it may not run, or run only sometimes: the scan keeps
    all of them.

    Aliases are learned by scanners that are not `frozen`; a frozen scanner reads them as
    they stand after the whole notebook, which is when the grader calls the functions.
    """

    def __init__(self, policy, learned, frozen=False):
        self.policy = policy
        self.frozen = frozen
        self.aliases = learned.aliases
        self.alias_origins = learned.origins
        self.late_aliases = learned.late
        self.bindings = {}  # module-level name -> units that bind it, in notebook order
        self.uses = {}  # unit (or None outside units) -> [ForbiddenUse]
        self.references = {}  # unit -> module-level names it reads
        self._unit = None
        self._scope = None
        self._statement = None  # the cell's top-level statement being scanned
        self._cell = ""

    def scan(self, cell_label, statements):
        """Scan a cell's top-level statements, each with the symbol table it is read with."""
        self._cell = cell_label
        for statement, table in statements:
            self._scope = _Scope(None, table, None)
            self._statement = statement
            self.visit(statement)

    def _record(self, name, node):
        use = ForbiddenUse(name, self._cell, getattr(node, "lineno", 0))
        self.uses.setdefault(self._unit, []).append(use)

    def _alias(self, name):
        """What `name`, read in the current scope, is an alias of, or None."""
        return self.aliases.get(self._scope.owner(name), {}).get(name)

    def _set_alias(self, name, qualified, node, owner=False):
        """Learn that `name` (in the scope that owns it here, or in `owner`) is `qualified`."""
        if self.frozen:
            return
        scope = self._scope.owner(name) if owner is False else owner
        self.aliases.setdefault(scope, {})[name] = qualified
        if scope is None:
            self.alias_origins[name] = (self._cell, getattr(node, "lineno", 0))
            if self._scope.node is not None:
                self.late_aliases.add(name)

    def _bind_module_name(self, name):
        """The current unit binds module-level `name`, alongside its earlier bindings."""
        if self._unit is not None and self._unit not in self.bindings.get(name, []):
            self.bindings.setdefault(name, []).append(self._unit)

    def _enter_unit(self, node):
        """Make `node` the current unit if it is a module-level statement; return the old one."""
        outer = self._unit
        if outer is None and self._scope.node is None:
            self._unit = node
        return outer

    def visit_Import(self, node):
        for alias in node.names:
            if alias.asname:
                self._set_alias(alias.asname, alias.name, node)
            else:
                top = alias.name.split(".")[0]
                if self._alias(top) is None:
                    self._set_alias(top, top, node)
            if self.policy.forbids(alias.name):
                self._record(alias.name, node)

    def visit_ImportFrom(self, node):
        module = node.module or ""
        for alias in node.names:
            if alias.name == "*" and module == "numpy":
                for name in self.policy.numpy_names:
                    self._set_alias(name, f"numpy.{name}", node, owner=None)
                continue
            qualified = f"{module}.{alias.name}"
            self._set_alias(alias.asname or alias.name, qualified, node)
            if self.policy.forbids(qualified) or self.policy.forbids(module):
                self._record(qualified, node)

    def visit_FunctionDef(self, node):
        outer = self._enter_unit(node)
        # Decorators, defaults and annotations run where the def is, when it runs.
        arguments = getattr(node, "args", None)
        definition_time = [
            *node.decorator_list,
            *getattr(node, "bases", ()),
            *getattr(node, "keywords", ()),
            getattr(node, "returns", None),
        ]
        if arguments is not None:
            definition_time += [*arguments.defaults, *arguments.kw_defaults]
            every = arguments.posonlyargs + arguments.args + arguments.kwonlyargs
            every += [a for a in (arguments.vararg, arguments.kwarg) if a]
            definition_time += [a.annotation for a in every]
        for expression in definition_time:
            if expression is not None:
                self.visit(expression)
        self._bind_definition(node)
        scope, self._scope = self._scope, self._scope.child(node)
        for statement in node.body:
            self.visit(statement)
        self._scope = scope
        self._unit = outer

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def _bind_definition(self, node):
        """A def or class binds its name; directly in a cell, it replaces earlier bindings."""
        if self._scope.owner(node.name) is not None:
            return
        if node is self._statement:
            # Functions that bind the name through `global` do it when called: later.
            late = [u for u in self.bindings.get(node.name, []) if _binds_when_called(u, node.name)]
            self.bindings[node.name] = [*late, node]
            if not self.frozen and node.name not in self.late_aliases:
                self.aliases[None].pop(node.name, None)
        else:
            self._bind_module_name(node.name)

    def visit_Lambda(self, node):
        for default in node.args.defaults + [d for d in node.args.kw_defaults if d]:
            self.visit(default)
        scope, self._scope = self._scope, self._scope.child(node)
        self.visit(node.body)
        self._scope = scope

    def _visit_comprehension(self, node):
        # The first iterable is evaluated outside the comprehension's scope.
        self.visit(node.generators[0].iter)
        scope, self._scope = self._scope, self._scope.child(node)
        for part in ("elt", "key", "value"):
            if getattr(node, part, None) is not None:
                self.visit(getattr(node, part))
        for index, generator in enumerate(node.generators):
            self.visit(generator.target)
            if index:
                self.visit(generator.iter)
            for condition in generator.ifs:
                self.visit(condition)
        self._scope = scope

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension

    def visit_Assign(self, node):
        # `conv = np.convolve`, `mod = importlib.import_module("scipy.signal")`,
        # `c = vars(np._core.numeric)["correlate"]`
        target = self._qualified(node.value)
        outer = self._enter_unit(node)
        for name_node in node.targets:
            if isinstance(name_node, ast.Name) and target:
                self._set_alias(name_node.id, target, node)
            if isinstance(name_node, ast.Subscript) and self._is_globals(name_node.value):
                # globals()["convolve"] = np.correlate binds a module-level name.
                for name in self._target_names(name_node):
                    if target:
                        self._set_alias(name, target, node, owner=None)
                    self._bind_module_name(name)
        self.generic_visit(node)
        self._unit = outer

    def visit_AugAssign(self, node):
        outer = self._enter_unit(node)
        self.generic_visit(node)
        self._unit = outer

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
        if self._scope.owner(node.id) is None:
            if isinstance(node.ctx, ast.Load):
                self.references.setdefault(self._unit, set()).add(node.id)
            else:
                self._bind_module_name(node.id)
        qualified = self._alias(node.id)
        if qualified and self.policy.forbids(qualified) and isinstance(node.ctx, ast.Load):
            self._record(qualified, node)

    def visit_Attribute(self, node):
        qualified = self._qualified(node)
        if qualified and self.policy.forbids(qualified):
            self._record(qualified, node)
            return
        self.generic_visit(node)

    def visit_Subscript(self, node):
        # globals()["helper"] reads the module-level helper, as the bare name would.
        if self._is_globals(node.value) and isinstance(node.ctx, ast.Load):
            key = _constant_string(node.slice)
            if key:
                self.references.setdefault(self._unit, set()).add(key)
        self.visit_Attribute(node)

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
            return self._alias(node.id)
        if isinstance(node, ast.Attribute):
            owner = self._qualified(node.value)
            return f"{owner}.{node.attr}" if owner else None
        if isinstance(node, ast.Subscript):
            key = _constant_string(node.slice)
            if key is None:
                return None
            if self._is_globals(node.value):
                return self.aliases[None].get(key)
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
    cells_parsed = []
    for cell in cells:
        try:
            tree = ast.parse(cell["source"])
        except (SyntaxError, ValueError):
            continue
        cells_parsed.append((cell["label"], _with_symbol_tables(cell["source"], tree)))
    # Two passes learn every alias, wherever in the notebook it is defined (an import in a
    # later cell, an alias built from another); the third reads them as they end up.
    learned = _Learned()
    for frozen in (False, False, True):
        scanner = _Scanner(policy, learned, frozen=frozen)
        for label, statements in cells_parsed:
            scanner.scan(label, statements)
    found = {}
    for entry in entry_points:
        uses = []
        # `from numpy import convolve`, or a star import with no def of its own after it.
        qualified = learned.aliases[None].get(entry)
        if qualified and policy.forbids(qualified):
            uses.append(ForbiddenUse(qualified, *learned.origins[entry]))
        for unit in _reachable_units(scanner, entry):
            uses.extend(scanner.uses.get(unit, []))
        if uses:
            found[entry] = uses
    return found


def _with_symbol_tables(source, tree):
    """Pair each top-level statement of a cell with the symbol table that reads its names.

    One table for the cell, if symtable accepts it. A few statements parse but do not
    compile (`nonlocal x` at module level); the worker runs a cell statement by statement,
    so the others still run, and each is then read on its own, at its own line numbers.
    """
    try:
        table = symtable.symtable(source, "cell", "exec")
        return [(statement, table) for statement in tree.body]
    except (SyntaxError, ValueError):
        pass
    paired = []
    for statement in tree.body:
        segment = ast.get_source_segment(source, statement, padded=True) or ""
        try:
            table = symtable.symtable("\n" * (statement.lineno - 1) + segment, "cell", "exec")
        except (SyntaxError, ValueError):
            continue  # it fails in the worker too
        paired.append((statement, table))
    return paired


def _reachable_units(scanner, entry):
    """The units `entry` can reach: those binding it, then those binding what they read."""
    units, seen_units, seen_names, todo = [], set(), set(), [entry]
    while todo:
        name = todo.pop(0)
        if name in seen_names:
            continue
        seen_names.add(name)
        for unit in scanner.bindings.get(name, []):
            if unit not in seen_units:
                seen_units.add(unit)
                units.append(unit)
                todo.extend(sorted(scanner.references.get(unit, ())))
    return units
