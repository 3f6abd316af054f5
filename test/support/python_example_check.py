"""Checks a Python app against generated jsii Python bindings without running it (the jsii runtime is not
installable here): every `lls.<Class>(...)` names a class of the module, every keyword argument is a parameter
of its __init__, required keyword-only parameters are given, a list-typed parameter gets a list, and every
method called on a variable bound to such an object exists on its class with those keywords.

usage: python3 python_example_check.py <bindings __init__.py> <app.py> <module alias>
prints JSON: {"problems": [...], "calls": <number of calls checked>}
"""
import ast
import json
import sys


def signatures(module_path):
    tree = ast.parse(open(module_path, encoding="utf-8").read())
    classes = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        methods = {}
        for item in node.body:
            if isinstance(item, ast.FunctionDef):
                methods[item.name] = item.args
        classes[node.name] = methods
    return classes


def params(args):
    """(positional names after self, {keyword-only name: (required, annotation text)})."""
    positional = [a.arg for a in args.args[1:]]
    kw = {}
    for a, default in zip(args.kwonlyargs, args.kw_defaults):
        kw[a.arg] = (default is None, ast.unparse(a.annotation) if a.annotation is not None else "")
    return positional, kw


def check_call(problems, where, args, call, line):
    positional, kw = params(args)
    if len(call.args) > len(positional):
        problems.append(f"line {line}: {where} takes {len(positional)} positional arguments, got {len(call.args)}")
    given = set()
    for k in call.keywords:
        if k.arg is None:
            continue
        given.add(k.arg)
        if k.arg not in kw and k.arg not in positional:
            problems.append(f"line {line}: {where} has no parameter '{k.arg}'")
            continue
        annotation = kw.get(k.arg, (False, ""))[1]
        if "typing.Sequence[" in annotation and not isinstance(k.value, (ast.List, ast.ListComp)):
            problems.append(f"line {line}: {where} '{k.arg}' takes a list ({annotation})")
    for name, (required, _) in kw.items():
        if required and name not in given:
            problems.append(f"line {line}: {where} needs '{name}'")


def main():
    module_path, app_path, alias = sys.argv[1:4]
    classes = signatures(module_path)
    tree = ast.parse(open(app_path, encoding="utf-8").read())
    problems = []
    bound = {}
    calls = 0
    # Variables bound to library objects: `x = lls.Class(...)`.
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            f = node.value.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == alias:
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        bound[t.id] = f.attr
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute) or not isinstance(node.func.value, ast.Name):
            continue
        owner, attr, line = node.func.value.id, node.func.attr, node.lineno
        if owner == alias:
            calls += 1
            if attr not in classes:
                problems.append(f"line {line}: the bindings have no class {attr}")
            elif "__init__" not in classes[attr]:
                problems.append(f"line {line}: {attr} has no constructor")
            else:
                check_call(problems, attr, classes[attr]["__init__"], node, line)
        elif owner in bound:
            calls += 1
            cls = bound[owner]
            method = classes.get(cls, {}).get(attr)
            if method is None:
                problems.append(f"line {line}: {cls} has no method {attr}")
            else:
                check_call(problems, f"{cls}.{attr}", method, node, line)
    print(json.dumps({"problems": problems, "calls": calls}))


if __name__ == "__main__":
    main()
