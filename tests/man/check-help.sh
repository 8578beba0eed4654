#!/usr/bin/env bash
# check-help.sh PROGRAM PAGE: every option that `PROGRAM --help` prints appears in the man page
# PAGE (mdoc source, rendered with `mandoc -Tascii`), so that a new option cannot land without
# its documentation. Exits 0 when all are there, 1 naming each missing option, 2 on a usage or
# environment error.
#
# What counts as an option of the --help text:
#   - on indented lines that start with '-': the leading run of options, e.g.
#     "  -s,--size TEXT=1G  ...", "    -h   --help   ...", "    -d   -o debug   ...";
#     "-o VALUE" names the mount options in VALUE (comma-separated; "[no]x" is x; "name=ARG" is
#     "name="; a VALUE ending in ',' continues on the next line);
#   - in a section whose header line starts with "options" in lower case ("options handled
#     here:"), the comma-separated option words that start its lines (mount.kvbos);
#   - in a CLI11 "Subcommands:" section, each subcommand: its name must appear in PAGE, its own
#     `PROGRAM SUB --help` is checked the same way, and PAGE's SYNOPSIS must have a line
#     "PROGRAM SUB ..." that names each of its options (but -h/--help) and no option it lacks.
# An option counts as documented when PAGE has an entry for it: it is named in the head of a
# list item (.It, rendered as <dt> by mandoc -Thtml) or in the SYNOPSIS; a mention elsewhere
# (an example, a sentence) is not enough. A word is found only as a whole word: "--json" is not
# found in "--json-lines".
#
# Environment: MANDOC (default: mandoc); CHECK_HELP_LIST=1 also prints what was checked.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: check-help.sh PROGRAM PAGE" >&2
  exit 2
fi
PROGRAM=$1 PAGE=$2
MANDOC=${MANDOC:-mandoc}
[ -x "$PROGRAM" ] || { echo "check-help.sh: $PROGRAM: not an executable (build it first)" >&2; exit 2; }
[ -r "$PAGE" ] || { echo "check-help.sh: $PAGE: cannot read it" >&2; exit 2; }
command -v "$MANDOC" >/dev/null || {
  echo "check-help.sh: $MANDOC not found (install mandoc: bash scripts/install-deps.sh)" >&2
  exit 2
}
command -v python3 >/dev/null || { echo "check-help.sh: python3 not found" >&2; exit 2; }

exec python3 - "$PROGRAM" "$PAGE" "$MANDOC" <<'PYTHON'
import html
import os
import re
import subprocess
import sys

program, page, mandoc = sys.argv[1:4]
prog_name = os.path.basename(program)
page_name = os.path.basename(page)


def fail_env(message):
    print(f"check-help.sh: {message}", file=sys.stderr)
    sys.exit(2)


# The page as text, one line per paragraph line, without overstrike (bold/underline).
render = subprocess.run([mandoc, "-Tascii", "-O", "width=400", page],
                        capture_output=True, text=True)
if render.returncode > 1 or not render.stdout:  # mandoc exits 1 on warnings only
    fail_env(f"{mandoc} cannot render {page}: {render.stderr.strip()}")
page_text = re.sub(r".\x08", "", render.stdout)
# The heads of the list items (.It), from the HTML rendering, where each is a <dt> element.
render = subprocess.run([mandoc, "-Thtml", "-O", "fragment", page], capture_output=True, text=True)
if render.returncode > 1 or not render.stdout:
    fail_env(f"{mandoc} -Thtml cannot render {page}: {render.stderr.strip()}")
item_heads = []
for dt in re.findall(r"<dt\b[^>]*>(.*?)</dt>", render.stdout, re.S):
    text = html.unescape(re.sub(r"<[^>]*>", "", dt))
    item_heads.append(" ".join(text.replace("\u2212", "-").replace("\u2010", "-").split()))


def synopsis_lines():
    lines, inside = [], False
    for line in page_text.splitlines():
        if line.startswith("SYNOPSIS"):
            inside = True
        elif inside and line and not line[0].isspace():
            break
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


def help_text(args):
    try:
        r = subprocess.run([program, *args, "--help"], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        fail_env(f"{prog_name} {' '.join(args + ['--help'])} did not finish in 30 s")
    if r.returncode != 0:
        fail_env(f"{prog_name} {' '.join(args + ['--help'])} exited {r.returncode}: {r.stderr.strip()}")
    return r.stdout


OPTION = re.compile(r"--?[A-Za-z0-9][\w.-]*")
METAVAR = re.compile(r"[ =]\[?[A-Z][A-Z0-9_]*\]?(=\S*)?(?=\s|$)")
MOUNT_WORD = re.compile(r"(?:\[no\])?(x-|[a-z_][a-z0-9_.]*=?)")


def mount_option_names(value):
    """Names in an -o list: 'ro', 'store=', 'x-' ...; upper-case items are metavariables."""
    names = []
    for item in value.split(","):
        m = MOUNT_WORD.match(item)
        if m:
            names.append(m.group(1))
    return names


def leading_word_list(text):
    """The comma-separated option words at the start of text ('nofail   a POOL ...' -> nofail)."""
    text = re.sub(r"\([^)]*\)", " ", text)
    words = []
    for i, part in enumerate(re.split(r"(\s*,\s*|\s+)", text.strip())):
        if i % 2 == 1:  # a separator: only commas continue the list
            if "," not in part:
                break
            continue
        if part in ("", "..."):
            continue
        m = re.fullmatch(r"(x-)\S*|([a-z_][a-z0-9_]*=?)\S*", part)
        if not m:
            break
        words.append(m.group(1) or m.group(2))
    return words


def extract(text):
    """(options, subcommands) printed by one --help text."""
    options, subcommands = [], []
    section = ""
    continue_list = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            section = ""
            continue_list = False
            continue
        if continue_list:  # "-o a,b,\n   c,d   description"
            continue_list = False
            value = stripped.split()[0]
            options += mount_option_names(value)
            continue_list = value.endswith(",")
            continue
        if not line[0].isspace():
            section = stripped.lower()
            if stripped.startswith("options") and ":" in stripped:
                options += leading_word_list(stripped.split(":", 1)[1])
            continue
        if section.startswith("subcommands"):
            subcommands.append(stripped.split()[0])
            continue
        if stripped.startswith("-"):
            rest = stripped
            while True:
                m = OPTION.match(rest)
                if not m:
                    break
                opt = m.group(0)
                options.append(opt)
                rest = rest[m.end():]
                if opt == "-o":
                    v = re.match(r"\s*(\S+)", rest)
                    if v:
                        options += mount_option_names(v.group(1))
                        continue_list = v.group(1).endswith(",")
                        rest = rest[v.end():]
                else:
                    mv = METAVAR.match(rest)
                    if mv:
                        rest = rest[mv.end():]
                sep = re.match(r"\s*,?\s*(?=-)", rest)
                if not sep:
                    break
                rest = rest[sep.end():]
            continue
        if section.startswith("options") and len(line) - len(line.lstrip()) <= 8:
            options += leading_word_list(stripped)
    # Keep the order, drop repeats.
    return list(dict.fromkeys(options)), subcommands


def word_re(word):
    if word.endswith("=") or word.endswith("-"):
        return re.compile(r"(?<![\w-])" + re.escape(word))
    return re.compile(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])")


def found(word, text):
    return word_re(word).search(text) is not None


missing = []  # options the page lacks
wrong = []    # options the page names that the program lacks
checked = 0

synopsis = synopsis_lines()
entries_text = "\n".join(synopsis + item_heads)


def documented(word, where):
    """'' when word has an entry in PAGE, else the problem."""
    if found(word, entries_text):
        return ""
    if found(word, page_text):
        return (f"{word} (printed by `{where} --help`): it is mentioned, but no list item (.It) "
                f"nor the SYNOPSIS names it")
    return f"{word} (printed by `{where} --help`)"


listing = os.environ.get("CHECK_HELP_LIST") == "1"
options, subcommands = extract(help_text([]))
if not options:
    fail_env(f"found no options in `{prog_name} --help`: has its format changed?")
if listing:
    print(f"{prog_name}: {' '.join(options)}")
for opt in options:
    checked += 1
    if problem := documented(opt, prog_name):
        missing.append(problem)

for sub in subcommands:
    checked += 1
    if not found(sub, page_text):
        missing.append(f"the subcommand {sub} (printed by `{prog_name} --help`)")
    sub_options, _ = extract(help_text([sub]))
    if listing:
        print(f"{prog_name} {sub}: {' '.join(sub_options)}")
    lines = [l for l in synopsis if l.split()[:2] == [prog_name, sub]]
    if not lines:
        missing.append(f"a SYNOPSIS line `{prog_name} {sub} ...`")
    for opt in sub_options:
        checked += 1
        if problem := documented(opt, f"{prog_name} {sub}"):
            missing.append(problem)
        elif opt not in ("-h", "--help") and lines and not any(found(opt, l) for l in lines):
            missing.append(f"{opt} in the SYNOPSIS line of `{prog_name} {sub}` "
                           f"(printed by `{prog_name} {sub} --help`)")
    for l in lines:  # the reverse: the synopsis names no option that SUB lacks
        for opt in re.findall(r"(?<![\w-])--?[A-Za-z][\w-]*", l):
            if opt not in sub_options:
                wrong.append(f"its SYNOPSIS line `{l}` names {opt}, which "
                             f"`{prog_name} {sub} --help` does not print")

if missing or wrong:
    for m in missing:
        print(f"check-help.sh: {page_name} does not document {m}", file=sys.stderr)
    for w in wrong:
        print(f"check-help.sh: {page_name} is wrong: {w}", file=sys.stderr)
    print(f"check-help.sh: FAIL: {len(missing) + len(wrong)} problems for {prog_name} "
          f"against {page}", file=sys.stderr)
    sys.exit(1)
print(f"check-help.sh: ok: {page_name} documents all {checked} options"
      f"{' and subcommands' if subcommands else ''} of {prog_name}")
PYTHON
