"""Installs the external Llama Stack providers of a pod (the install-providers init container).

Runs with the distribution image's own python3, so the packages it installs match the server's Python
version and architecture. The provider-<id> init containers have copied each provider image's
/lls-provider directory into the shared volume; this script then, for all providers together:

1. parses and validates every lls-provider-spec.yaml (YAML errors and schema problems with line numbers),
   checks that the declared API matches the section the provider was placed under, and that the image's
   metadata matches what was declared at synth time;
2. installs every provider wheel in one `pip install --no-index` run (the provider wheels are the
   requirements, the providers' packages directories are the only source), into a virtual environment
   that sees the image's own packages, so requirements the image already satisfies are not installed
   again; a dependency conflict names the providers and images involved;
3. imports <packageName>.provider and calls get_provider_spec() for each provider, as Llama Stack does at
   start-up, so import errors and wrong-architecture wheels fail here, before the server starts;
4. when some providers are only known from their images (or the config is the user's own ConfigMap),
   merges their entries into the server config and writes the result where RUN_CONFIG_PATH points.

Every failure is written to the termination log in one format: what failed, the provider ID, image and
init container, and a Resolution line. Inputs come from the environment and from the plan file the
construct generates; no value is ever spliced into this text.
"""
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from email.parser import HeaderParser

API_VERSION = "llamastack.io/v1alpha1"
KIND = "ProviderPackage"
SPEC_FILE = "lls-provider-spec.yaml"
IMAGE_PACKAGES = "/lls-provider/packages/"
PACKAGE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
PROVIDER_TYPE = re.compile(r"^(remote|inline)::[a-z0-9-]+$")
CONDITIONAL_ID = re.compile(r"^\$\{env\.[A-Za-z0-9_]+:\+([^}]*)\}$")
# Llama Stack's own packages: a provider must not break their requirements.
SERVER_PACKAGES = ("llama-stack", "llama-stack-api", "llama-stack-client")
TERMINATION_LOG_LIMIT = 4000
IMPORT_TIMEOUT_SECONDS = 300


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        raise Failure(["ERROR: %s is not set\nInit Container: %s\nResolution: This variable is set by the LlamaStack "
                       "construct; synthesize and apply the manifests again." % (name, container_name())])
    return value


def container_name():
    return os.environ.get("INIT_CONTAINER_NAME", "install-providers")


class Failure(Exception):
    """One or more error blocks; the container fails with all of them."""

    def __init__(self, blocks):
        Exception.__init__(self, "\n\n".join(blocks))
        self.blocks = blocks


def error_block(what, providers=(), details=(), resolution=""):
    lines = ["ERROR: " + what]
    for p in providers:
        lines.append("Provider: " + p["id"])
        lines.append("Image: " + p["image"])
    lines.append("Init Container: " + container_name())
    lines.extend(details)
    lines.append("Resolution: " + resolution)
    return "\n".join(lines)


def warning_block(what, provider, details=()):
    lines = ["WARNING: " + what, "Provider: " + provider["id"], "Image: " + provider["image"]]
    lines.extend(details)
    return "\n".join(lines)


def camel(api):
    parts = api.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def normalise(name):
    """PEP 503 project-name normalisation."""
    return re.sub(r"[-_.]+", "-", name).lower()


def describe(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "'%s'" % (value if len(value) <= 60 else value[:60] + "...")
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return "a date"
    return "a " + type(value).__name__


# ---------------------------------------------------------------------------------------------------
# lls-provider-spec.yaml: parsing with line numbers, and the image contract's rules. The same rules, with
# the same messages, run at synth time (src/external-provider/metadata.ts) for ExternalProvider.fromSpecFile.
# ---------------------------------------------------------------------------------------------------

def load_yaml_with_lines(text):
    """Parses YAML (1.1, as Llama Stack reads it). Returns (data, lines, error): lines maps a field path
    such as 'spec.api' or 'spec.dependencyWheels[1]' to the 1-based line of its key or item."""
    import yaml

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, None
        duplicate = find_duplicate_key(node)
        if duplicate is not None:
            return None, {}, duplicate
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = " at line %d, column %d" % (mark.line + 1, mark.column + 1) if mark is not None else ""
        return None, {}, "invalid YAML%s: %s" % (where, err.problem or err.context)
    except yaml.YAMLError as err:
        return None, {}, "invalid YAML: %s" % err
    finally:
        loader.dispose()
    lines = {}
    record_lines(node, "", lines)
    return data, lines, None


def find_duplicate_key(node):
    import yaml

    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    return "invalid YAML at line %d, column %d: duplicated mapping key '%s'" % (
                        key.start_mark.line + 1, key.start_mark.column + 1, key.value)
                seen.add(key.value)
            found = find_duplicate_key(value)
            if found:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found = find_duplicate_key(item)
            if found:
                return found
    return None


def record_lines(node, path, lines):
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            child = key.value if not path else path + "." + key.value
            lines.setdefault(child, key.start_mark.line + 1)
            record_lines(value, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = "%s[%d]" % (path, i)
            lines.setdefault(child, item.start_mark.line + 1)
            record_lines(item, child, lines)


def validate_metadata(text, apis, removed_apis):
    """Returns (metadata, problems); problems are (field, line or None, message) in file order."""
    data, lines, error = load_yaml_with_lines(text)
    problems = []

    def add(field, message, present=True):
        problems.append((field, lines.get(field) if present else None, message))

    if error is not None:
        line = re.search(r"at line (\d+)", error)
        problems.append(("document", int(line.group(1)) if line else None, error))
        return None, problems
    if data is None:
        add("document", "the file is empty; expected a mapping with apiVersion, kind, metadata and spec", False)
        return None, problems
    if not isinstance(data, dict):
        add("document", "expected a mapping with apiVersion, kind, metadata and spec, got %s" % describe(data), False)
        return None, problems

    for field, expected in (("apiVersion", API_VERSION), ("kind", KIND)):
        if field not in data:
            add(field, "required (%s)" % expected, False)
        elif data[field] != expected:
            add(field, "must be %s, got %s" % (expected, describe(data[field])))

    metadata = data.get("metadata")
    if "metadata" not in data:
        add("metadata", "required (a mapping with name, version and vendor)", False)
    elif not isinstance(metadata, dict):
        add("metadata", "must be a mapping with name, version and vendor, got %s" % describe(metadata))
    else:
        for key in ("name", "version", "vendor"):
            field = "metadata." + key
            if key not in metadata:
                add(field, "required (a non-empty string)", False)
            elif not isinstance(metadata[key], str) or not metadata[key].strip():
                add(field, "must be a non-empty string, got %s" % describe(metadata[key]))
        for key in ("description", "maintainer"):
            if key in metadata and metadata[key] is not None and not isinstance(metadata[key], str):
                add("metadata." + key, "must be a string, got %s" % describe(metadata[key]))

    spec = data.get("spec")
    if "spec" not in data:
        add("spec", "required (a mapping with packageName, providerType, api and wheelPath)", False)
    elif not isinstance(spec, dict):
        add("spec", "must be a mapping with packageName, providerType, api and wheelPath, got %s" % describe(spec))
    else:
        check_required(spec, "packageName", add, lambda v: PACKAGE_NAME.match(v),
                       "must be a dotted Python module name such as acme_provider or acme.provider")
        check_required(spec, "providerType", add, lambda v: PROVIDER_TYPE.match(v),
                       "must be remote::<name> or inline::<name> (lower-case letters, digits and '-')")
        if "api" not in spec:
            add("spec.api", "required (one of %s)" % ", ".join(apis), False)
        elif isinstance(spec["api"], str) and spec["api"] in removed_apis:
            add("spec.api", "'%s' is not an API of Llama Stack 0.7.1: %s" % (spec["api"], removed_apis[spec["api"]]))
        elif spec["api"] not in apis:
            add("spec.api", "must be one of %s; got %s" % (", ".join(apis), describe(spec["api"])))
        check_required(spec, "wheelPath", add, wheel_path_ok,
                       "must be the path of a .whl file in %s" % IMAGE_PACKAGES)
        deps = spec.get("dependencyWheels")
        if deps is not None:
            if not isinstance(deps, list):
                add("spec.dependencyWheels", "must be a list of .whl paths in %s, got %s" % (IMAGE_PACKAGES, describe(deps)))
            else:
                for i, dep in enumerate(deps):
                    if not isinstance(dep, str) or not wheel_path_ok(dep):
                        add("spec.dependencyWheels[%d]" % i,
                            "must be the path of a .whl file in %s, got %s" % (IMAGE_PACKAGES, describe(dep)))
    if problems:
        return None, problems
    return {
        "name": metadata["name"],
        "version": metadata["version"],
        "vendor": metadata["vendor"],
        "packageName": spec["packageName"],
        "providerType": spec["providerType"],
        "api": spec["api"],
        "wheelPath": spec["wheelPath"],
        "dependencyWheels": list(spec.get("dependencyWheels") or []),
    }, []


def check_required(spec, key, add, ok, rule):
    field = "spec." + key
    if key not in spec:
        add(field, "required (%s)" % rule[len("must be "):], False)
    elif not isinstance(spec[key], str) or not ok(spec[key]):
        add(field, "%s, got %s" % (rule, describe(spec[key])))


def wheel_path_ok(value):
    """A .whl file directly in /lls-provider/packages/ (pip finds dependencies only there), given as an
    absolute path or as the bare file name."""
    name = value[len(IMAGE_PACKAGES):] if value.startswith(IMAGE_PACKAGES) else value
    return name.endswith(".whl") and len(name) > len(".whl") and "/" not in name


def format_problem(problem):
    field, line, message = problem
    return "%s%s: %s" % (field, " (line %d)" % line if line else "", message)


def relative_wheel(value):
    return value[len(IMAGE_PACKAGES):] if value.startswith(IMAGE_PACKAGES) else value


# ---------------------------------------------------------------------------------------------------
# Wheels: their project name, version and requirements, read from the archive (no pip internals).
# ---------------------------------------------------------------------------------------------------

def wheel_info(path):
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if re.match(r"^[^/]+\.dist-info/METADATA$", n)]
        if len(names) != 1:
            raise ValueError("%s has %d .dist-info/METADATA files (expected 1)" % (os.path.basename(path), len(names)))
        headers = HeaderParser().parsestr(archive.read(names[0]).decode("utf-8", "replace"))
    requires = headers.get_all("Requires-Dist") or []
    return {"name": headers.get("Name", ""), "version": headers.get("Version", ""), "requires": requires,
            "file": os.path.basename(path)}


def bundled_wheels(packages_dir):
    """The wheels pip can use: the .whl files directly in the directory (--find-links does not recurse)."""
    return [os.path.join(packages_dir, f) for f in sorted(os.listdir(packages_dir))
            if f.endswith(".whl") and os.path.isfile(os.path.join(packages_dir, f))]


# ---------------------------------------------------------------------------------------------------
# The installer.
# ---------------------------------------------------------------------------------------------------

class Installer(object):
    def __init__(self):
        self.plan_path = env("INSTALL_PLAN")
        self.staging = env("INSTALL_STAGING_DIR")
        self.packages_dir = env("INSTALL_PACKAGES_DIR")
        self.work = env("INSTALL_WORK_DIR")
        self.report_path = env("INSTALL_REPORT")
        self.warnings = []
        self.timings = []
        try:
            with open(self.plan_path) as f:
                self.plan = json.load(f)
        except (OSError, ValueError) as err:
            raise Failure([error_block("Cannot read the install plan %s: %s" % (self.plan_path, err),
                                       resolution="The plan is generated by the LlamaStack construct into the "
                                                  "external-provider scripts ConfigMap; synthesize and apply again.")])
        self.providers = self.plan.get("providers", [])
        self.apis = self.plan.get("apis", [])
        self.removed_apis = self.plan.get("removedApis", {})

    def step(self, name, fn):
        start = time.time()
        result = fn()
        self.timings.append((name, time.time() - start))
        return result

    def run(self):
        self.step("check plan", self.check_plan)
        self.step("validate metadata", self.validate_all)
        self.step("install wheels", self.install)
        self.step("import providers", self.import_all)
        self.step("check image packages", self.check_environment)
        self.step("merge config", self.merge_config)
        self.step("clean up", self.clean_up)
        summary = ["Installed %d external provider(s): %s" % (
            len(self.providers), ", ".join("%s (%s, %s)" % (p["id"], p["metadata"]["providerType"], p["image"])
                                           for p in self.providers))]
        summary.append("Timings: " + ", ".join("%s %.2fs" % t for t in self.timings))
        return summary

    def check_plan(self):
        by_id = {}
        for p in self.providers:
            by_id.setdefault(p["id"], []).append(p)
        blocks = []
        for pid, same in by_id.items():
            if len(same) > 1:
                blocks.append("\n".join(
                    ["ERROR: Duplicate provider ID detected in external providers",
                     "Provider ID '%s' is declared by multiple provider images:" % pid]
                    + ["  - %s (externalProviders.%s)" % (p["image"], camel(p["api"])) for p in same]
                    + ["Init Container: " + container_name(),
                       "Resolution: Each provider must have a unique id. Give the ExternalProviders distinct ids."]))
        if blocks:
            raise Failure(blocks)

    # -- 1. metadata -------------------------------------------------------------------------------

    def provider_dir(self, p):
        return os.path.join(self.staging, "provider-" + p["id"])

    def validate_all(self):
        blocks = []
        for p in self.providers:
            spec_path = os.path.join(self.provider_dir(p), SPEC_FILE)
            try:
                with open(spec_path, encoding="utf-8") as f:
                    text = f.read()
            except (OSError, UnicodeDecodeError) as err:
                blocks.append(error_block(
                    "Cannot read the staged lls-provider-spec.yaml of provider '%s': %s" % (p["id"], err), [p],
                    resolution="The init container %s copies it from the image; check its log "
                               "(kubectl logs <pod> -c %s) and that the file is UTF-8 text." % (p["initContainer"], p["initContainer"])))
                continue
            metadata, problems = validate_metadata(text, self.apis, self.removed_apis)
            if problems:
                yaml_error = problems[0][0] == "document" and problems[0][2].startswith("invalid YAML")
                what = ("Invalid YAML in /lls-provider/%s" if yaml_error else "Invalid /lls-provider/%s") % SPEC_FILE
                blocks.append(error_block(
                    "%s in image %s" % (what, p["image"]), [p],
                    ["  " + format_problem(x) for x in problems],
                    "Fix lls-provider-spec.yaml in the provider image (see docs/provider-image.md for the schema) "
                    "and rebuild the image."))
                continue
            p["metadata"] = metadata
            blocks.extend(self.check_placement(p, metadata))
            blocks.extend(self.check_wheels(p, metadata))
        if blocks:
            raise Failure(blocks)

    def check_placement(self, p, metadata):
        blocks = []
        if metadata["api"] != p["api"]:
            blocks.append(error_block(
                "Provider API type mismatch", [p],
                ["Provider '%s' (image: %s)" % (p["id"], p["image"]),
                 "declares api=%s in lls-provider-spec.yaml" % metadata["api"],
                 "but is placed under externalProviders.%s" % camel(p["api"])],
                "Move the provider to externalProviders.%s in the LlamaStack props, then synthesize and apply "
                "again." % camel(metadata["api"])))
        declared = p.get("declared")
        if declared:
            fields = (("spec.providerType", "providerType"), ("spec.packageName", "module"), ("spec.api", "api"))
            diffs = ["  %s: declared %s, the image has %s" % (field, declared[key], metadata[field.split(".")[1]])
                     for field, key in fields if declared[key] != metadata[field.split(".")[1]]]
            if diffs:
                blocks.append(error_block(
                    "The metadata in image %s does not match the declaration the config was generated from" % p["image"],
                    [p], ["  declared in: %s" % declared.get("source", "the ExternalProvider props")] + diffs,
                    "The server config was generated at synth time from the declaration, so it would be wrong for "
                    "this image: update the declaration (providerType/module/api, or the file given to "
                    "ExternalProvider.fromSpecFile) to match the image, or pin the image the declaration was "
                    "written for; then synthesize and apply again."))
        return blocks

    def check_wheels(self, p, metadata):
        packages = os.path.join(self.provider_dir(p), "packages")
        missing = []
        for field, value in [("spec.wheelPath", metadata["wheelPath"])] + [
                ("spec.dependencyWheels[%d]" % i, d) for i, d in enumerate(metadata["dependencyWheels"])]:
            if not os.path.isfile(os.path.join(packages, relative_wheel(value))):
                missing.append("  %s: %s is not in the image" % (field, IMAGE_PACKAGES + relative_wheel(value)))
        if missing:
            return [error_block("lls-provider-spec.yaml in image %s names wheels the image does not contain" % p["image"],
                                [p], missing,
                                "Put the wheels into /lls-provider/packages/ in the provider image, or correct "
                                "wheelPath/dependencyWheels in lls-provider-spec.yaml; then rebuild the image.")]
        p["wheel"] = os.path.join(packages, relative_wheel(metadata["wheelPath"]))
        p["bundled"] = []
        problems = []
        for path in bundled_wheels(packages):
            try:
                p["bundled"].append(wheel_info(path))
            except (OSError, ValueError, zipfile.BadZipFile) as err:
                problems.append("  %s: %s" % (IMAGE_PACKAGES + os.path.relpath(path, packages), err))
        if problems:
            return [error_block("Image %s contains broken wheel files" % p["image"], [p], problems,
                                "Rebuild the wheels (pip wheel ...) and the provider image.")]
        main = [w for w in p["bundled"] if w["file"] == os.path.basename(p["wheel"])]
        p["project"] = normalise(main[0]["name"]) if main else ""
        return []

    # -- 2. pip install ----------------------------------------------------------------------------

    def pip_env(self, packages_first=False):
        """The environment of pip and the import checks: no pip settings from the image or the host, and
        PYTHONPATH as the server will have it (the installed packages first) when packages_first."""
        child = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
        if packages_first:
            child["PYTHONPATH"] = os.pathsep.join(x for x in [self.packages_dir, os.environ.get("PYTHONPATH", "")] if x)
        tmp = os.path.join(self.work, "tmp")
        os.makedirs(tmp, exist_ok=True)
        child.update({
            "PIP_CONFIG_FILE": os.devnull, "PIP_NO_CACHE_DIR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1", "PIP_NO_WARN_SCRIPT_LOCATION": "1", "TMPDIR": tmp, "HOME": tmp,
            "PYTHONDONTWRITEBYTECODE": "1",
        })
        return child

    def make_venv(self):
        """A virtual environment that sees the image's packages, whose site-packages is the packages dir."""
        venv = os.path.join(self.work, "venv")
        for path in (venv, self.packages_dir):
            if os.path.lexists(path):
                shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.remove(path)
        os.makedirs(self.packages_dir)
        result = subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", venv],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                                env=self.pip_env())
        if result.returncode != 0:
            raise Failure([error_block(
                "Cannot create a virtual environment with %s -m venv" % sys.executable, self.providers,
                ["  " + l for l in result.stdout.strip().splitlines()[-10:]],
                "The install step needs the venv module of the distribution image's Python (on Debian images "
                "the python3-venv package); use a distribution image that has it.")])
        python = os.path.join(venv, "bin", "python3") if os.path.exists(os.path.join(venv, "bin", "python3")) \
            else os.path.join(venv, "bin", "python")
        probe = subprocess.run([python, "-c", "import json, sysconfig; print(json.dumps(sorted(set("
                                "[sysconfig.get_path('purelib'), sysconfig.get_path('platlib')]))))"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                               env=self.pip_env())
        if probe.returncode != 0:
            raise Failure([error_block("The virtual environment's Python does not start", self.providers,
                                       ["  " + l for l in probe.stdout.strip().splitlines()[-10:]],
                                       "Use a distribution image with a working python3 -m venv.")])
        for site in json.loads(probe.stdout):
            if os.path.lexists(site):
                shutil.rmtree(site) if os.path.isdir(site) and not os.path.islink(site) else os.remove(site)
            os.makedirs(os.path.dirname(site), exist_ok=True)
            os.symlink(self.packages_dir, site)
        return python

    def install(self):
        python = self.make_venv()
        command = [python, "-m", "pip", "install", "--no-index", "--no-cache-dir", "--disable-pip-version-check",
                   "--no-input", "--progress-bar", "off"]
        for p in self.providers:
            command += ["--find-links", os.path.join(self.provider_dir(p), "packages")]
        command += [p["wheel"] for p in self.providers]
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                universal_newlines=True, env=self.pip_env())
        print(result.stdout.rstrip())
        self.write_report(installed=result.returncode == 0)
        if result.returncode != 0:
            raise Failure([self.describe_pip_failure(result.stdout)])

    def providers_bundling(self, project):
        project = normalise(project)
        return [p for p in self.providers if any(normalise(w["name"]) == project for w in p.get("bundled", []))]

    def describe_pip_failure(self, output):
        lines = output.strip().splitlines()
        tail = ["pip output:"] + ["  " + l for l in lines[-40:]]
        report = ("Bundled wheels by provider, and what got installed: %s (also printed in this container's log: "
                  "kubectl logs <pod> -c %s)" % (self.report_path, container_name()))
        causes = []
        if "The conflict is caused by:" in output:
            block = output.split("The conflict is caused by:", 1)[1].split("\n\n", 1)[0]
            causes = [l.strip() for l in block.splitlines() if l.strip()]
        if causes or "ResolutionImpossible" in output or "conflicting dependencies" in output:
            involved = []
            explained = []
            for cause in causes:
                m = re.match(r"^(\S+) (\S+) depends on (.+)$", cause)
                owners = self.providers_bundling(m.group(1)) if m else []
                for o in owners:
                    if o not in involved:
                        involved.append(o)
                who = " (provider %s)" % ", ".join("'%s'" % o["id"] for o in owners) if owners else ""
                explained.append("  " + (cause.replace(" depends on", who + " depends on", 1) if m else cause))
            involved = [p for p in self.providers if p in involved] or list(self.providers)
            names = " and ".join("'%s'" % p["id"] for p in involved)
            what = ("Cannot install provider %s due to dependency conflict" % names if len(involved) == 1
                    else "Cannot install providers %s together due to a dependency conflict" % names)
            return error_block(what, involved, ["Conflict:"] + (explained or ["  (see pip output)"]) + tail + [report],
                               "Update the provider images so their pinned dependency versions are compatible "
                               "(relax a pin, or rebuild one image against the other's versions), or deploy the "
                               "conflicting providers in separate stacks.")
        unsupported = re.findall(r"ERROR: (\S+\.whl) is not a supported wheel on this platform", output)
        if unsupported:
            owners = []
            for wheel in unsupported:
                for p in self.providers:
                    if os.path.basename(wheel) in [w["file"] for w in p["bundled"]] and p not in owners:
                        owners.append(p)
            return error_block("Wheel %s is not supported by the distribution image's Python (%s)" % (
                ", ".join(os.path.basename(w) for w in unsupported), interpreter()), owners or self.providers,
                tail + [report],
                "Build the wheels for the server's platform (%s): the same CPython version and CPU architecture "
                "(pip wheel --platform/--python-version, or build in the distribution image)." % interpreter())
        missing = re.findall(r"No matching distribution found for (\S+)", output)
        if missing:
            owners = []
            for req in missing:
                name = normalise(re.split(r"[<>=!~;\[ (]", req, 1)[0])
                for p in self.providers:
                    needs = any(normalise(re.split(r"[<>=!~;\[ (]", r, 1)[0]) == name
                                for w in p["bundled"] for r in w["requires"])
                    if needs and p not in owners:
                        owners.append(p)
            return error_block("Provider packages need %s, which is neither bundled in /lls-provider/packages nor "
                               "installed in the distribution image" % ", ".join(missing), owners or self.providers,
                               tail + [report],
                               "Bundle every dependency as a wheel in /lls-provider/packages/ of the provider image "
                               "(pip wheel --wheel-dir /lls-provider/packages <provider>), built for %s; wheels for "
                               "another platform are ignored." % interpreter())
        return error_block("Failed to install provider packages", self.providers, tail + [report],
                           "Check wheel compatibility and dependency conflicts in the pip output above.")

    def write_report(self, installed):
        lines = ["# External provider packages (written by the install-providers init container)", ""]
        for p in self.providers:
            lines.append("provider %s (%s, externalProviders.%s):" % (p["id"], p["image"], camel(p["api"])))
            for w in p.get("bundled", []):
                main = " (provider wheel)" if w["file"] == os.path.basename(p.get("wheel", "")) else ""
                lines.append("  bundled %s==%s%s" % (w["name"], w["version"], main))
                for r in w["requires"]:
                    lines.append("    requires %s" % r)
        lines.append("")
        lines.append("installed into %s:" % self.packages_dir)
        found = installed_distributions(self.packages_dir) if installed else []
        lines.extend("  %s==%s" % d for d in found)
        if not found:
            lines.append("  (nothing: the install failed)" if not installed else "  (nothing)")
        text = "\n".join(lines) + "\n"
        os.makedirs(os.path.dirname(self.report_path), exist_ok=True)
        with open(self.report_path, "w") as f:
            f.write(text)
        print(text.rstrip())

    # -- 3. import check ---------------------------------------------------------------------------

    def import_all(self):
        blocks = []
        for p in self.providers:
            result = self.import_one(p)
            if result.get("error"):
                blocks.append(self.describe_import_failure(p, result))
                continue
            blocks.extend(self.compare_runtime_spec(p, result))
        if blocks:
            raise Failure(blocks)

    def import_one(self, p):
        child = self.pip_env(packages_first=True)
        try:
            result = subprocess.run([sys.executable, os.path.abspath(__file__), "--check-import",
                                     p["metadata"]["packageName"], p["metadata"]["providerType"]],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                                    env=child, timeout=IMPORT_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            return {"error": "timeout", "detail": "importing %s.provider did not finish within %d seconds" % (
                p["metadata"]["packageName"], IMPORT_TIMEOUT_SECONDS)}
        for line in reversed(result.stdout.splitlines()):
            if line.startswith("@@import-check@@ "):
                return json.loads(line[len("@@import-check@@ "):])
        return {"error": "crash", "detail": "the import check exited with code %d" % result.returncode,
                "traceback": (result.stdout + result.stderr).strip().splitlines()[-15:]}

    def describe_import_failure(self, p, result):
        package = p["metadata"]["packageName"]
        trace = ["  " + l for l in result.get("traceback", [])]
        text = " ".join(result.get("traceback", [])) + " " + result.get("detail", "")
        arch = re.search(r"wrong ELF class|cannot open shared object|undefined symbol|invalid ELF header|"
                         r"incompatible architecture|exec format error|mach-o|GLIBC_", text, re.IGNORECASE)
        if result["error"] == "no-module":
            what = "Cannot import %s.provider for provider '%s'" % (package, p["id"])
            fix = ("Llama Stack imports <packageName>.provider: the provider wheel must contain the package %s with "
                   "a provider module defining get_provider_spec(), and spec.packageName must name it." % package)
        elif result["error"] == "no-function":
            what = "%s.provider of provider '%s' has no get_provider_spec()" % (package, p["id"])
            fix = "Define get_provider_spec() in %s/provider.py, returning the provider's ProviderSpec." % package.replace(".", "/")
        elif result["error"] == "no-match":
            what = "get_provider_spec() of provider '%s' returns no spec with provider_type %s" % (
                p["id"], p["metadata"]["providerType"])
            fix = ("Llama Stack 0.7.1 registers only the returned spec whose provider_type equals the config's; make "
                   "spec.providerType in lls-provider-spec.yaml match one of: %s." % ", ".join(result.get("types", [])))
        elif arch:
            what = "Provider '%s' cannot be loaded by the distribution image's Python (%s)" % (p["id"], interpreter())
            fix = ("A compiled extension was built for another CPU architecture or C library: build the wheels for "
                   "%s (e.g. in the distribution image, or with a matching manylinux platform tag)." % interpreter())
        else:
            what = "Importing provider '%s' (%s.provider, get_provider_spec()) failed: %s" % (
                p["id"], package, result.get("detail", result["error"]))
            fix = ("Fix the error above in the provider package, or bundle the dependency it needs as a wheel in "
                   "/lls-provider/packages/; then rebuild the image.")
        return error_block(what, [p], ([result["detail"]] if result.get("detail") and result["error"] != "other" else [])
                           + (["Traceback (last lines):"] + trace if trace else []), fix)

    def compare_runtime_spec(self, p, result):
        metadata = p["metadata"]
        details = []
        for field, key in (("api", "api"), ("provider_type", "providerType")):
            runtime = result.get(field)
            if runtime is not None and runtime != metadata[key]:
                details.append("  %s: lls-provider-spec.yaml says %s, get_provider_spec() returns %s" % (
                    field, metadata[key], runtime))
        if details:
            self.warnings.append(warning_block(
                "Provider metadata mismatch (non-blocking)", p, details
                + ["The server uses the spec returned by get_provider_spec(); make lls-provider-spec.yaml agree "
                   "with it."]))
        return []

    # -- 4. the image's own packages -------------------------------------------------------------

    def check_environment(self):
        """pip check before and after: requirements of the image's packages that the provider packages break."""
        # Both runs at once: each reads every installed distribution, which takes a while in a large image.
        before, after = pip_check(self.pip_env()), pip_check(self.pip_env(packages_first=True))
        baseline = set(before())
        after = [l for l in after() if l not in baseline]
        if not after:
            return
        errors = []
        for line in after:
            m = re.match(r"^(\S+) \S+ (?:has requirement|requires) (\S+?)[<>=!~;, ]", line)
            requirer = normalise(m.group(1)) if m else ""
            if requirer in SERVER_PACKAGES:
                errors.append(line)
        replaced = [l for l in after if l not in errors]
        owners = []
        for line in after:
            m = re.search(r"but you have (\S+) ", line)
            if m:
                owners.extend(o for o in self.providers_bundling(m.group(1)) if o not in owners)
        if errors:
            raise Failure([error_block(
                "Provider packages replace packages Llama Stack itself needs with versions it does not accept",
                owners or self.providers, ["  " + l for l in errors], "Rebuild the provider images with dependency "
                "versions that Llama Stack 0.7.1 accepts (or leave those packages out: the image already has them).")])
        for p in owners or self.providers:
            self.warnings.append(warning_block(
                "Provider packages replace packages of the distribution image with versions other image "
                "packages do not accept (non-blocking)", p, ["  " + l for l in replaced]))

    # -- 5. config ---------------------------------------------------------------------------------

    def merge_config(self):
        if not self.plan.get("mergeConfig"):
            return
        import yaml

        merging = [p for p in self.providers if p.get("merge")]
        self.base_config = env("INSTALL_BASE_CONFIG")
        self.output_config = env("INSTALL_OUTPUT_CONFIG")

        if not os.path.isfile(self.base_config):
            raise Failure([error_block(
                "No config.yaml found at %s" % self.base_config, [],
                ["Checked paths:", "  " + self.base_config],
                "The config comes from the stack's ConfigMap (the generated one, or overrideConfig.configMapName): "
                "make sure that ConfigMap exists and has the key config.yaml.")])
        try:
            with open(self.base_config, encoding="utf-8") as f:
                config = yaml.safe_load(f)
        except (OSError, yaml.YAMLError) as err:
            raise Failure([error_block("Cannot parse %s: %s" % (self.base_config, err), [], [],
                                       "Fix config.yaml in the stack's ConfigMap (overrideConfig.configMapName).")])
        if not isinstance(config, dict) or not isinstance(config.get("providers", {}), dict):
            raise Failure([error_block("%s is not a Llama Stack config (a mapping with providers)" % self.base_config,
                                       [], [], "Fix config.yaml in the stack's ConfigMap.")])
        providers = config.setdefault("providers", {})
        for p in merging:
            entry = {"provider_id": p["id"], "provider_type": p["metadata"]["providerType"],
                     "module": p["metadata"]["packageName"], "config": p.get("config") or {}}
            section = providers.get(p["api"])
            if not isinstance(section, list):
                section = providers[p["api"]] = []
            index = next((i for i, e in enumerate(section) if isinstance(e, dict) and id_of(e.get("provider_id")) == p["id"]), -1)
            if index >= 0:
                self.warnings.append("External provider '%s' overrides base provider in API '%s'\n  Base type: %s\n"
                                     "  External type: %s" % (p["id"], p["api"], section[index].get("provider_type"),
                                                              entry["provider_type"]))
                section[index] = entry
            else:
                section.append(entry)
            if isinstance(config.get("apis"), list) and p["api"] not in config["apis"]:
                config["apis"].append(p["api"])
        os.makedirs(os.path.dirname(self.output_config), exist_ok=True)
        tmp = self.output_config + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            yaml.safe_dump(config, f, sort_keys=False, default_flow_style=False, allow_unicode=True, width=4096)
        os.replace(tmp, self.output_config)
        print("wrote %s with %d external provider(s) merged into %s" % (self.output_config, len(merging), self.base_config))

    def clean_up(self):
        # The staged wheels are installed now; the server does not need a second copy in the volume.
        for p in self.providers:
            shutil.rmtree(os.path.join(self.provider_dir(p), "packages"), ignore_errors=True)
        shutil.rmtree(self.work, ignore_errors=True)


def id_of(raw):
    if not isinstance(raw, str):
        return None
    m = CONDITIONAL_ID.match(raw)
    return m.group(1) if m else raw


def interpreter():
    import platform
    return "CPython %d.%d on %s" % (sys.version_info[0], sys.version_info[1], platform.machine() or "unknown")


def installed_distributions(path):
    try:
        from importlib import metadata as importlib_metadata
    except ImportError:  # Python < 3.8
        return []
    found = set()
    for dist in importlib_metadata.distributions(path=[path]):
        name = dist.metadata["Name"]
        if name:
            found.add((name, dist.version))
    return sorted(found, key=lambda d: normalise(d[0]))


def pip_check(child_env):
    """Starts `pip check` in that environment; returns a function that waits for its findings."""
    process = subprocess.Popen([sys.executable, "-m", "pip", "check"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, universal_newlines=True, env=child_env)

    def result():
        output = process.communicate()[0]
        return [l.strip() for l in output.splitlines()
                if l.strip() and "No broken requirements" not in l and not l.startswith("WARNING")]
    return result


def check_import(package, provider_type):
    """Child process: what Llama Stack 0.7.1 does at start-up for a provider with `module: <package>`."""
    import importlib
    import traceback

    def out(result):
        print("@@import-check@@ " + json.dumps(result))
        sys.stdout.flush()
        os._exit(0)

    try:
        module = importlib.import_module(package + ".provider")
    except ModuleNotFoundError as err:
        if err.name in (package, package + ".provider") or (err.name and package.startswith(err.name + ".")):
            out({"error": "no-module", "detail": str(err)})
        out({"error": "other", "detail": "%s: %s" % (type(err).__name__, err),
             "traceback": traceback.format_exc().strip().splitlines()[-12:]})
    except BaseException as err:  # noqa: B902 - anything the provider raises on import
        out({"error": "other", "detail": "%s: %s" % (type(err).__name__, err),
             "traceback": traceback.format_exc().strip().splitlines()[-12:]})
    if not callable(getattr(module, "get_provider_spec", None)):
        out({"error": "no-function"})
    try:
        spec = module.get_provider_spec()
        specs = spec if isinstance(spec, list) else [spec]
        if isinstance(spec, list):
            matching = [s for s in specs if getattr(s, "provider_type", None) == provider_type]
            if not matching:
                out({"error": "no-match", "types": sorted(str(getattr(s, "provider_type", None)) for s in specs)})
            spec = matching[0]
        api = getattr(spec, "api", None)
        api = getattr(api, "value", api)
        # Llama Stack then imports the implementation module and the config class of the spec.
        impl = getattr(spec, "module", None)
        if isinstance(impl, str) and impl:
            importlib.import_module(impl)
        config_class = getattr(spec, "config_class", None)
        if isinstance(config_class, str) and "." in config_class:
            owner, _, name = config_class.rpartition(".")
            getattr(importlib.import_module(owner), name)
    except BaseException as err:  # noqa: B902
        out({"error": "other", "detail": "%s: %s" % (type(err).__name__, err),
             "traceback": traceback.format_exc().strip().splitlines()[-12:]})
    out({"api": None if api is None else str(api), "provider_type": getattr(spec, "provider_type", None)})


def write_termination_log(text):
    path = os.environ.get("TERMINATION_LOG", "/dev/termination-log")
    if len(text.encode("utf-8")) > TERMINATION_LOG_LIMIT:
        note = "\n... (truncated; the full message is in the log: kubectl logs <pod> -c %s)" % container_name()
        text = text.encode("utf-8")[:TERMINATION_LOG_LIMIT - len(note)].decode("utf-8", "ignore") + note
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    except OSError:
        pass


def main(argv):
    if len(argv) == 4 and argv[1] == "--check-import":
        check_import(argv[2], argv[3])
        return 0
    try:
        try:
            import yaml  # noqa: F401 - Llama Stack's own YAML reader, present in every distribution image
        except ImportError:
            raise Failure([error_block("PyYAML is not importable by %s" % sys.executable, [], [],
                                       "Run the install step with a Llama Stack distribution image (it has PyYAML).")])
        installer = Installer()
        summary = installer.run()
    except Failure as failure:
        text = "\n\n".join(failure.blocks)
        sys.stderr.write(text + "\n")
        write_termination_log(text)
        return 1
    except Exception as err:  # noqa: B902 - a bug here must still reach kubectl describe
        import traceback

        text = error_block("Unexpected error in the install step: %s: %s" % (type(err).__name__, err), [],
                           ["Traceback (last lines):"] + ["  " + l for l in traceback.format_exc().strip().splitlines()[-12:]],
                           "This is a bug of the install step; report it with this message and the container log.")
        sys.stderr.write(text + "\n")
        write_termination_log(text)
        return 1
    text = "\n\n".join(summary + installer.warnings)
    print(text)
    write_termination_log(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
