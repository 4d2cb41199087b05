"""Code, shell sessions and config files for the sample's software pages (tutorials, READMEs, API
docs, programming Q&A, release notes).

Code is the hardest negative of a math classifier: `=`, `+`, `-`, `*`, `/`, `<`, `_` and numbers
everywhere, without mathematics. `snippet(rng)` draws one block (Python, JavaScript, shell, SQL,
YAML, TOML, INI/.env, Dockerfile, Makefile, CSS, Go, Java, C) with identifiers and values from
word banks, so no two pages hold the same code.
"""
from __future__ import annotations

import random

NOUNS = ["user", "order", "item", "invoice", "session", "message", "file", "record", "event", "task", "image", "report",
         "customer", "product", "comment", "token", "request", "response", "page", "job", "account", "ticket", "config"]
VERBS = ["load", "save", "fetch", "parse", "render", "send", "update", "delete", "create", "validate", "export", "sync",
         "resize", "upload", "retry", "format", "filter", "merge", "schedule", "notify"]
SETTINGS = ["timeout", "max_retries", "batch_size", "log_level", "cache_ttl", "port", "workers", "page_size", "debug",
            "pool_size", "max_connections", "buffer_size", "poll_interval", "chunk_size", "rate_limit", "min_free_space"]
PACKAGES = ["requests", "flask", "django", "numpy", "pandas", "pytest", "click", "fastapi", "sqlalchemy", "pydantic",
            "express", "react", "lodash", "axios", "webpack", "eslint", "typescript", "jest"]
HOSTS = ["localhost", "db.internal", "cache", "api.example.com", "10.0.0.12", "staging.example.org"]


def _name(r: random.Random) -> str:
    return f"{r.choice(NOUNS)}_{r.choice(['id', 'count', 'list', 'path', 'name', 'data', 'size', 'total', 'url'])}"


def _value(r: random.Random, key: str) -> str:
    if key in ("debug",):
        return r.choice(["true", "false"])
    if key == "log_level":
        return r.choice(['"info"', '"debug"', '"warning"'])
    return str(r.choice([1, 2, 3, 4, 5, 8, 10, 16, 30, 32, 60, 64, 100, 128, 256, 500, 1000, 1024, 3600, 8080]))


def py_function(r):
    verb, noun = r.choice(VERBS), r.choice(NOUNS)
    a, b = _name(r), _name(r)
    return (f"def {verb}_{noun}({a}, {b}=None, retries={r.randint(1, 5)}):\n"
            f"    \"\"\"{verb.capitalize()} the {noun} and return it.\"\"\"\n"
            f"    if {b} is None:\n        {b} = []\n"
            f"    for attempt in range(retries):\n"
            f"        result = client.{verb}({a}, timeout={r.randint(2, 30)})\n"
            f"        if result.status_code == {r.choice([200, 201, 204])}:\n            return result.json()\n"
            f"        time.sleep(2 ** attempt)\n"
            f"    raise RuntimeError(f\"could not {verb} {noun} {{{a}}}\")")


def py_class(r):
    noun = r.choice(NOUNS)
    cls = noun.capitalize()
    return (f"@dataclass\nclass {cls}:\n    {noun}_id: int\n    name: str = \"\"\n    tags: list[str] = field(default_factory=list)\n\n"
            f"    def __post_init__(self):\n        self.name = self.name.strip()\n        self._cache = {{}}\n\n"
            f"    def __repr__(self):\n        return f\"{cls}(id={{self.{noun}_id}}, name={{self.name!r}})\"")


def py_script(r):
    return (f"import os\nimport {r.choice(PACKAGES)}\n\n{r.choice(SETTINGS).upper()} = int(os.environ.get(\"{r.choice(SETTINGS).upper()}\", {r.randint(1, 99)}))\n\n"
            f"if __name__ == \"__main__\":\n    {_name(r)} = sys.argv[1] if len(sys.argv) > 1 else \"{r.choice(NOUNS)}s.csv\"\n"
            f"    rows = [row for row in csv.DictReader(open({_name(r)})) if row[\"status\"] != \"deleted\"]\n"
            f"    print(f\"{{len(rows)}} rows, {{len(rows) // {r.randint(2, 9)}}} per worker\")")


def js_snippet(r):
    verb, noun = r.choice(VERBS), r.choice(NOUNS)
    return (f"export async function {verb}{noun.capitalize()}(id, options = {{}}) {{\n"
            f"  const url = `${{BASE_URL}}/{noun}s/${{id}}?limit=${{options.limit ?? {r.choice([10, 20, 50])}}}`;\n"
            f"  const res = await fetch(url, {{ method: '{r.choice(['GET', 'POST', 'PUT'])}', headers }});\n"
            f"  if (res.status >= 400) throw new Error(`{verb} failed: ${{res.status}}`);\n"
            f"  const data = await res.json();\n  return data.items.filter((x) => x.active && x.count > {r.randint(0, 5)});\n}}")


def js_react(r):
    noun = r.choice(NOUNS)
    return (f"function {noun.capitalize()}List({{ {noun}s }}) {{\n  const [page, setPage] = useState(1);\n"
            f"  const visible = {noun}s.slice((page - 1) * {r.choice([10, 20, 25])}, page * {r.choice([10, 20, 25])});\n"
            f"  return (\n    <ul className=\"{noun}-list\">\n      {{visible.map((x) => <li key={{x.id}}>{{x.name}}</li>)}}\n    </ul>\n  );\n}}")


def shell(r):
    pkg, pkg2 = r.sample(PACKAGES, 2)
    cmds = [f"pip install {pkg}=={r.randint(0, 3)}.{r.randint(0, 30)}.{r.randint(0, 9)}", f"npm install --save-dev {pkg2}",
            "python -m venv .venv && source .venv/bin/activate", f"git checkout -b feature/{r.choice(VERBS)}-{r.choice(NOUNS)}",
            f"docker run -d -p {r.choice([3000, 8000, 8080])}:80 --name web nginx:1.{r.randint(19, 27)}",
            f"ssh -i ~/.ssh/id_ed25519 deploy@{r.choice(HOSTS)}", f"tar -czf backup-$(date +%F).tar.gz /var/www",
            f"export {r.choice(SETTINGS).upper()}={r.randint(1, 500)}", f"curl -sS -X POST https://{r.choice(HOSTS)}/v1/{r.choice(NOUNS)}s -d '{{\"id\": {r.randint(1, 999)}}}'",
            "git rebase -i HEAD~3", f"kubectl scale deploy/api --replicas={r.randint(2, 8)}", "make test && make lint",
            f"chmod 600 ~/.ssh/config && ls -la ~/.ssh", f"find . -name '*.pyc' -delete", f"du -sh * | sort -h | tail -{r.randint(3, 10)}"]
    return "\n".join("$ " + c for c in r.sample(cmds, r.randint(2, 5)))


def sql(r):
    noun = r.choice(NOUNS)
    return (f"SELECT {noun}_id, COUNT(*) AS n, AVG(amount) AS avg_amount\nFROM {noun}s\n"
            f"WHERE created_at >= '202{r.randint(0, 4)}-0{r.randint(1, 9)}-01' AND status <> 'archived'\n"
            f"GROUP BY {noun}_id\nHAVING COUNT(*) > {r.randint(1, 20)}\nORDER BY n DESC\nLIMIT {r.choice([10, 50, 100])};")


def yaml_config(r):
    keys = r.sample(SETTINGS, 4)
    lines = [f"  {k}: {_value(r, k)}" for k in keys]
    return f"server:\n  host: {r.choice(HOSTS)}\n" + "\n".join(lines) + f"\ndatabase:\n  url: postgres://app:secret@{r.choice(HOSTS)}:5432/app"


def ini_config(r):
    keys = r.sample(SETTINGS, 5)
    return "[default]\n" + "\n".join(f"{k} = {_value(r, k)}" for k in keys) + f"\n\n[paths]\ndata_dir = /var/lib/{r.choice(NOUNS)}s"


def env_file(r):
    return "\n".join(f"{k.upper()}={_value(r, k).strip(chr(34))}" for k in r.sample(SETTINGS, 5)) + f"\nSECRET_KEY=change-me-{r.randint(100, 999)}"


def toml(r):
    pkg = r.choice(PACKAGES)
    return (f"[project]\nname = \"{r.choice(NOUNS)}-tools\"\nversion = \"{r.randint(0, 3)}.{r.randint(0, 20)}.{r.randint(0, 9)}\"\n"
            f"requires-python = \">=3.{r.randint(8, 12)}\"\ndependencies = [\"{pkg}>={r.randint(1, 4)}.0\", \"rich\"]\n\n"
            f"[tool.ruff]\nline-length = {r.choice([88, 100, 120])}")


def dockerfile(r):
    return (f"FROM python:3.{r.randint(9, 12)}-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n"
            f"COPY . .\nENV {r.choice(SETTINGS).upper()}={r.randint(1, 64)}\nEXPOSE {r.choice([5000, 8000, 8080])}\nCMD [\"gunicorn\", \"-w\", \"{r.randint(2, 8)}\", \"app:app\"]")


def makefile(r):
    return (".PHONY: test lint build\n\ntest:\n\tpytest -q --maxfail=1\n\nlint:\n\truff check . && mypy src/\n\n"
            f"build: clean\n\tpython -m build\n\nclean:\n\trm -rf dist/ build/ *.egg-info")


def css(r):
    return (f".{r.choice(NOUNS)}-card {{\n  display: grid;\n  grid-template-columns: repeat({r.randint(2, 4)}, 1fr);\n  gap: {r.randint(4, 24)}px;\n"
            f"  padding: {r.randint(4, 16)}px {r.randint(8, 32)}px;\n  border-radius: {r.randint(2, 12)}px;\n}}\n\n"
            f"@media (max-width: {r.choice([600, 768, 1024])}px) {{\n  .{r.choice(NOUNS)}-card {{ grid-template-columns: 1fr; }}\n}}")


def go(r):
    noun = r.choice(NOUNS)
    return (f"func (s *Server) handle{noun.capitalize()}(w http.ResponseWriter, r *http.Request) {{\n"
            f"\tid, err := strconv.Atoi(r.URL.Query().Get(\"id\"))\n\tif err != nil || id <= 0 {{\n"
            f"\t\thttp.Error(w, \"bad id\", http.StatusBadRequest)\n\t\treturn\n\t}}\n"
            f"\tctx, cancel := context.WithTimeout(r.Context(), {r.randint(1, 10)}*time.Second)\n\tdefer cancel()\n"
            f"\tjson.NewEncoder(w).Encode(s.store.Get(ctx, id))\n}}")


def java(r):
    noun = r.choice(NOUNS)
    return (f"public List<{noun.capitalize()}> findRecent(int limit) {{\n    List<{noun.capitalize()}> out = new ArrayList<>();\n"
            f"    for (int i = 0; i < items.size() && out.size() < limit; i++) {{\n"
            f"        if (items.get(i).getAgeDays() <= {r.randint(1, 30)}) out.add(items.get(i));\n    }}\n    return out;\n}}")


def c_code(r):
    return (f"#include <stdio.h>\n\nint main(int argc, char **argv) {{\n    int count = 0;\n    char buf[{r.choice([64, 128, 256, 1024])}];\n"
            f"    while (fgets(buf, sizeof buf, stdin) != NULL) {{\n        if (buf[0] != '#') count++;\n    }}\n"
            f"    printf(\"%d lines\\n\", count);\n    return 0;\n}}")


def traceback(r):
    return (f"Traceback (most recent call last):\n  File \"app.py\", line {r.randint(10, 400)}, in <module>\n    main()\n"
            f"  File \"app.py\", line {r.randint(10, 400)}, in main\n    {_name(r)} = config[\"{r.choice(SETTINGS)}\"]\n"
            f"KeyError: '{r.choice(SETTINGS)}'")


SNIPPETS = [py_function, py_class, py_script, js_snippet, js_react, shell, sql, yaml_config, ini_config, env_file, toml,
            dockerfile, makefile, css, go, java, c_code, traceback]


def snippet(rng: random.Random) -> str:
    return rng.choice(SNIPPETS)(rng)
