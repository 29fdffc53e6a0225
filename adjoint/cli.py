"""The `adjoint` command line: dump, check and rules.

    adjoint dump model.py:loss --wrt W,x          # the generated gradient module
    adjoint check model.py:loss --args W=4x3,x=3  # compare with finite differences
    adjoint rules                                 # the differentiable functions

Errors the user causes print as `adjoint: error: ...` without a traceback; the exit
status is 1, or 2 for command-line usage errors.
"""
from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import inspect
import os
import sys
import traceback

import adjoint

from . import gradcheck as checking
from .errors import AdjointError, Location, TargetError, UsageError, WrtError

TARGET_HELP = "path/to/file.py:func or package.module:func"
EPILOG = {
    "dump": "example:\n  adjoint dump model.py:loss --wrt W,b -o dloss.py\n"
            "  adjoint dump model.py:loss --stage list",
    "check": "example:\n  adjoint check model.py:loss --args W=4x3,x=3,n=int:5\n\n"
             "--args: " + checking.SPEC_HELP + ". Parameters with defaults may be left "
             "out. Without --wrt every float argument is checked.",
    "rules": "example:\n  adjoint rules | grep linalg\n  adjoint rules --nondiff",
}


def main(argv=None) -> int:
    """Run the command line; return the exit status (0 ok, 1 error, 2 usage)."""
    try:
        return run(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else 2
    except BrokenPipeError:  # e.g. `adjoint rules | head`
        sys.stdout = open(os.devnull, "w")
        return 0
    except (UsageError, WrtError) as exc:  # the command line was wrong
        print(f"adjoint: error: {exc}", file=sys.stderr)
        return 2
    except AdjointError as exc:
        print(f"adjoint: error: {exc}", file=sys.stderr)
        return 1


def run(argv=None) -> int:
    """Parse `argv` and run the command; errors propagate (tests use this)."""
    args = build_parser().parse_args(argv)
    return args.run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="adjoint", description="Source-transformation automatic differentiation: "
        "print, save and check generated gradients.",
        epilog="example:\n  adjoint dump model.py:loss --wrt W\n"
               "run `adjoint COMMAND --help` for each command's options",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=adjoint.__version__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, help_, run):
        p = sub.add_parser(name, help=help_, description=help_, epilog=EPILOG[name],
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(run=run)
        return p

    dump = command("dump", "print the generated gradient module (or one compiler stage)",
                   cmd_dump)
    dump.add_argument("target", metavar="TARGET", help=TARGET_HELP)
    dump.add_argument("--wrt", help="parameters to differentiate, by name or position, "
                      "comma-separated (default: the first)")
    dump.add_argument("--stage", help="print one compiler stage instead; "
                      "`--stage list` names them")
    dump.add_argument("--no-optimize", action="store_true",
                      help="skip the optimisation pass (dead code stays)")
    dump.add_argument("-o", "--output", metavar="FILE", help="write to FILE (plain text)")
    dump.add_argument("--no-color", action="store_true", help="never highlight")
    if hasattr(adjoint, "jvp"):
        dump.add_argument("--mode", choices=("reverse", "forward"), default="reverse",
                          help="reverse (gradient, default) or forward (jvp)")

    chk = command("check", "compare the compiled gradient with finite differences",
                  cmd_check)
    chk.add_argument("target", metavar="TARGET", help=TARGET_HELP)
    chk.add_argument("--args", required=True, metavar="SPEC", help="argument shapes, "
                     "e.g. x=3,W=4x3 (see below)")
    chk.add_argument("--wrt", help="parameters to check (default: every float argument)")
    chk.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    chk.add_argument("--positive", action="store_true",
                     help="draw inputs from [0.5, 2) instead of a standard normal")
    chk.add_argument("--eps", type=float, default=1e-6, help="finite-difference step")
    chk.add_argument("--rtol", type=float, default=1e-5)
    chk.add_argument("--atol", type=float, default=1e-6)

    rules = command("rules", "list the functions adjoint can differentiate", cmd_rules)
    rules.add_argument("--nondiff", action="store_true",
                       help="list the functions treated as constant (no gradient) instead")
    return parser


# ---------------------------------------------------------------- commands

def cmd_dump(args) -> int:
    fn = load_target(args.target)
    gen = generate(fn, parse_wrt(args.wrt, default=0), not args.no_optimize,
                   getattr(args, "mode", "reverse"))
    if args.stage == "list":
        text = "\n".join(list(gen.stages) + ["final"]) + "\n"
        if not args.output:
            sys.stdout.write(text)
            return 0
    elif args.stage not in (None, "final") and args.stage not in gen.stages:
        raise UsageError(f"--stage {args.stage!r} is not a stage",
                         hint="choose one of: " + ", ".join(list(gen.stages) + ["final"]))
    else:
        text = gen.source if args.stage in (None, "final") else gen.stages[args.stage]
    if not text.endswith("\n"):
        text += "\n"
    if "supplied when compiled in-process" in text:
        print("adjoint: warning: the module reads closure values that cannot be "
              "written to a file; it runs only in-process", file=sys.stderr)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror}",
                             hint="check that the directory exists and is writable")
        return 0
    sys.stdout.write(highlight(text) if use_color(args) else text)
    return 0


def generate(fn, wrt, optimize: bool, mode: str = "reverse"):
    """The compiled function for `mode` ("reverse": adjoint.grad, "forward": jvp)."""
    make = adjoint.grad if mode == "reverse" else adjoint.jvp
    return make(fn, wrt=wrt, optimize=optimize)


def cmd_check(args) -> int:
    if not args.eps > 0 or not args.rtol >= 0 or not args.atol >= 0:
        raise UsageError(f"--eps must be positive and --rtol/--atol not negative (got "
                         f"--eps {args.eps}, --rtol {args.rtol}, --atol {args.atol})",
                         hint="the defaults are --eps 1e-6 --rtol 1e-5")
    fn = load_target(args.target)
    spec = checking.parse_spec(args.args)
    inputs, floats = checking.random_inputs(fn, spec, args.seed, args.positive)
    wrt = parse_wrt(args.wrt, default=tuple(floats))
    names = list(inspect.signature(fn).parameters)
    for w in (wrt if isinstance(wrt, tuple) else (wrt,)):
        name = names[w] if isinstance(w, int) and -len(names) <= w < len(names) else w
        if isinstance(name, str) and name in names and name not in spec:
            raise UsageError(f"--wrt {name}: {name} is not given in --args ({args.args})",
                             hint=f"add {name}=<shape or value> to --args (e.g. "
                                  f"{name}=3 or {name}=0.5)")
        if isinstance(name, str) and name in spec and name not in floats:
            raise UsageError(f"--wrt {name}: {name} is not a float argument in --args "
                             f"({args.args})", hint=f"give {name} a shape or a float "
                             f"value (e.g. {name}=3 or {name}=0.5); integers are not "
                             "differentiated")
    if wrt == ():
        raise UsageError("no float argument to check", hint="give a shape such as "
                         "x=3 or a float in --args, or name parameters with --wrt")
    wrt = wrt if isinstance(wrt, tuple) else (wrt,)
    adjoint.grad(fn, wrt=wrt)  # compile errors surface as AdjointError, not below
    try:
        results = checking.compare(fn, inputs, wrt, eps=args.eps, rtol=args.rtol,
                                   atol=args.atol, seed=args.seed)
    except AdjointError:
        raise
    except Exception as exc:
        raise failure(exc, "running the function failed") from None
    print(checking.table(results))
    bad = [r.name for r in results if not r.ok]
    if bad:
        print(f"adjoint: the gradient disagrees with finite differences for "
              f"{', '.join(bad)}", file=sys.stderr)
    return 1 if bad else 0


def cmd_rules(args) -> int:
    print("\n".join(rule_names(args.nondiff)))
    return 0


def rule_names(nondiff: bool = False) -> list[str]:
    """Names of the functions with rules (or the non-differentiable ones)."""
    try:
        from .rules.listing import listing
    except ImportError:
        from .rules import all_nondiff, all_rules
        return [r.name for r in (all_nondiff() if nondiff else all_rules())]
    return listing(nondiff=nondiff)


# ---------------------------------------------------------------- inputs

def parse_wrt(text, default):
    """"x,W" -> ("x", "W"); "0" -> 0 (one item stays a single gradient)."""
    if text is None:
        return default
    items = [item.strip() for item in text.split(",")]
    if not all(items) or not all(i.isidentifier() or i.lstrip("-").isdigit() for i in items):
        raise UsageError(f"--wrt {text!r}: expected parameter names or positions "
                         "separated by commas", hint="e.g. --wrt W,b or --wrt 0,1")
    items = [int(i) if not i.isidentifier() else i for i in items]
    return items[0] if len(items) == 1 else tuple(items)


def load_target(target: str):
    """The function a TARGET (file.py:func or package.module:func) names."""
    if ".py:" in target:
        path, name = target.split(".py:", 1)
        path, colon = path + ".py", ":"
    else:
        path, colon, name = target.rpartition(":")
    if not colon or not name:
        raise UsageError(f"TARGET {target!r} has no ':func' part",
                         hint=f"write TARGET as {TARGET_HELP}")
    if not path:
        raise UsageError(f"TARGET {target!r} has no file or module before ':'",
                         hint=f"write TARGET as {TARGET_HELP}")
    module = _load_file(path) if path.endswith(".py") or os.sep in path \
        else _import(path)
    obj = module
    for part in name.split("."):
        if not hasattr(obj, part):
            raise UsageError(f"{path} defines no function {name!r}", hint=(
                "functions there: " + (", ".join(_functions(module)) or "none")))
        obj = getattr(obj, part)
    if inspect.ismodule(obj) or inspect.isclass(obj) or not callable(obj):
        kind = "a module" if inspect.ismodule(obj) else "a class" \
            if inspect.isclass(obj) else f"a {type(obj).__name__}"
        raise UsageError(f"{name} in {path} is {kind}, not a function",
                         hint="name a function (or Class.method) defined there: " +
                              (", ".join(_functions(module)) or "none"))
    return obj


def _load_file(path: str):
    if not os.path.isfile(path):
        raise UsageError(f"no such file: {path}", hint=f"write TARGET as {TARGET_HELP}")
    path = os.path.abspath(path)
    stem = os.path.splitext(os.path.basename(path))[0]
    old = sys.modules.get(stem)
    if old is not None:
        if os.path.abspath(getattr(old, "__file__", "") or "") == path:
            return old
        raise UsageError(f"{path}: a module named {stem!r} is already imported "
                         f"({getattr(old, '__file__', 'built in')})",
                         hint="rename the file so its name does not shadow that module")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    try:
        ast.parse(text, path)
    except SyntaxError as exc:
        raise TargetError(f"syntax error: {exc.msg}",
                          Location(path, exc.lineno or 1, (exc.offset or 1) - 1),
                          hint="fix the syntax; adjoint imports the file") from None
    sys.path.insert(0, os.path.dirname(path))  # so `from <stem> import X` resolves
    spec = importlib.util.spec_from_file_location(stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[stem] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[stem]
        raise failure(exc, f"importing {path} failed") from None
    return module


def _import(name: str):
    if os.getcwd() not in sys.path:  # the console script's sys.path lacks the cwd
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            raise UsageError(f"no module named {name!r}", hint=f"write TARGET as "
                             f"{TARGET_HELP}, and run from the package's parent "
                             "directory or set PYTHONPATH") from None
        raise failure(exc, f"importing {name} failed") from None
    except Exception as exc:
        raise failure(exc, f"importing {name} failed") from None


def _functions(module) -> list[str]:
    return sorted(k for k, v in vars(module).items()
                  if callable(v) and getattr(v, "__module__", None) == module.__name__)


# ---------------------------------------------------------------- output

def failure(exc: BaseException, context: str) -> TargetError:
    """The user's exception as a TargetError at its innermost user (or generated) frame."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not _internal(f.filename)]
    where = Location(frames[-1].filename, frames[-1].lineno) if frames else None
    notes = getattr(exc, "__notes__", None) if sys.version_info >= (3, 11) else None
    return TargetError("\n".join([f"{context}: {type(exc).__name__}: {exc}"] + (notes or [])),
                       where)


def _internal(filename: str) -> bool:
    """Frames of adjoint itself, the standard library and installed packages."""
    from .codegen.emit import generated_file
    if generated_file(filename):
        return False
    roots = (os.path.dirname(os.path.abspath(__file__)), sys.prefix, sys.base_prefix)
    return filename.startswith(roots) or filename.startswith("<frozen") \
        or "site-packages" in filename


def use_color(args) -> bool:
    return not args.no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()


def highlight(text: str) -> str:
    """Python syntax colours when pygments is installed and the text is Python."""
    try:
        from pygments import highlight as pyg
        from pygments.formatters import TerminalFormatter
        from pygments.lexers import PythonLexer
        ast.parse(text)
    except (ImportError, SyntaxError):
        return text
    return pyg(text, PythonLexer(), TerminalFormatter())
