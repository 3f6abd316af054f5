"""
Runs strings and keys through Llama Stack 0.7.1's own code, for test/config/env-refs.test.ts (which skips
this check when the upstream source is not on the machine; CI has it not).

Usage: python3 upstream_env.py <llama-stack src dir>, with JSON on stdin:
  {"strings": [...], "keys": [...], "trees": [...]}
and JSON on stdout:
  {"strings": [{"type", "text"}], "keys": [bool], "trees": [...]}

- strings: each one is passed as {"k": s} to core/stack.py replace_env_vars, with every variable it mentions
  (upper or lower case) set to "<<NAME>>", so the result shows which values the server would put in.
- keys: whether core/utils/config.py redact_sensitive_fields hides the value of {key: "v"}.
- trees: redact_sensitive_fields applied to each object as is.

llama_stack.core.stack cannot be imported here: its package needs Python >= 3.12 (PEP 695 generics in
llama_stack_api), while pydantic is installed only for 3.11. The exact upstream definitions of
replace_env_vars, _convert_string_to_proper_type, EnvVarError and RESOURCE_ID_FIELDS are therefore
compiled from stack.py itself (its AST nodes, unchanged) with `re`, `os`, `Any` and a silent logger in
scope; core/utils/config.py has no imports and is loaded as a module.
"""
import ast
import importlib.util
import json
import os
import re
import sys
from typing import Any

SRC = sys.argv[1]
STACK = os.path.join(SRC, 'llama_stack', 'core', 'stack.py')
WANTED = {'replace_env_vars', '_convert_string_to_proper_type', 'EnvVarError', 'RESOURCE_ID_FIELDS'}


def _name(node):
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return node.name
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    return None


tree = ast.parse(open(STACK).read(), STACK)
nodes = [n for n in tree.body if _name(n) in WANTED]
assert {_name(n) for n in nodes} == WANTED, 'upstream definitions not found in ' + STACK


class _SilentLogger:
    def __getattr__(self, _):
        return lambda *a, **k: None


ns = {'re': re, 'os': os, 'Any': Any, 'logger': _SilentLogger(), '__name__': 'upstream_stack'}
exec(compile(ast.Module(body=nodes, type_ignores=[]), STACK, 'exec'), ns)
replace_env_vars = ns['replace_env_vars']

spec = importlib.util.spec_from_file_location('upstream_config', os.path.join(SRC, 'llama_stack', 'core', 'utils', 'config.py'))
config_module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(config_module)
redact_sensitive_fields = config_module.redact_sensitive_fields

request = json.load(sys.stdin)
out = {'strings': [], 'keys': [], 'trees': []}
for s in request['strings']:
    names = set(re.findall(r'\$\{env\.([A-Za-z0-9_]+)', s))
    saved = {n: os.environ.get(n) for n in names}
    for n in names:
        os.environ[n] = '<<' + n + '>>'
    try:
        r = replace_env_vars({'k': s})['k']
        out['strings'].append({'type': type(r).__name__, 'text': str(r)})
    finally:
        for n, v in saved.items():
            if v is None:
                del os.environ[n]
            else:
                os.environ[n] = v
for k in request['keys']:
    out['keys'].append(redact_sensitive_fields({k: 'v'})[k] != 'v')
for t in request['trees']:
    out['trees'].append(redact_sensitive_fields(t))
json.dump(out, sys.stdout)
