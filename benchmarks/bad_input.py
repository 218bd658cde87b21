"""Bad input: what rendering user text and validating forms cost, against the input's size.

Rendering: hostile Markdown (runs of `[`, `*`, `_`, backticks, nested `>`, emphasis runs,
unclosed links, images, table rows) and ordinary text, each at 1 KB, 10 KB, 100 KB and at
the allowed maximum, through the renderer pages use for what people type
(`helpdesk.markup`: the Markdown path, which the size bound is left out of, and
`render_user_text` itself) and the article renderer. Forms: the sign-in form and the
request form validated with one field at those sizes, up to the largest text field the
server accepts (MAX_FORM_MEMORY_SIZE), and a 40 MB field, which must be refused unread.

For every input it prints the median and p95 over the repeats, the time per KB, and the
ratio of the time per KB to the previous size's (1.0 = linear). The last column says
whether the time grows linearly: the time per KB at the largest size within LINEAR_FACTOR
of the time per KB at 10 KB. Sizes whose median passes --budget seconds stop that input.

    .venv/bin/python benchmarks/bad_input.py
    .venv/bin/python benchmarks/bad_input.py --quick
    .venv/bin/python benchmarks/bad_input.py --renderer helpdesk.markup:render_user_text

The figures of the Python-Markdown renderer this replaced, measured with this script on
the commit before the switch, are printed at the end (BEFORE); Python-Markdown is no longer
installed, so they cannot be taken again in the same run.
"""

import argparse
import importlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pagetiming import build_app, percentile  # noqa: E402  (beside this script)

KB = 1000
LINEAR_FACTOR = 3.0
budget = 10.0  # seconds, --budget: a size whose median passes this stops its input
HUGE_FIELD = 40 * 1024 * 1024


def _repeat(unit, n):
    return (unit * (n // len(unit) + 1))[:n]


ORDINARY = ("Hello, the **export** button does nothing since the update.\n\n"
            "1. Open *Reports*\n2. Press `Export`\n3. Wait\n\n"
            "> It worked last week.\n\nSee [the guide](https://example.com/guide) and\n"
            "```\nError: 500 at /export\n```\n\n| Plan | Seats |\n| --- | ---: |\n| Team | 5 |\n\n")

USER_INPUTS = {
    "open brackets [": lambda n: "[" * n,
    "stars *": lambda n: "*" * n,
    "underscores _": lambda n: "_" * n,
    "backticks `": lambda n: "`" * n,
    "growing backtick runs": lambda n: _repeat("".join("e" + "`" * i for i in range(1, 40)), n),
    "nested quotes > ": lambda n: _repeat("> ", n - 1) + "a",
    "quote marks >": lambda n: ">" * n,
    "nested emphasis *a **a": lambda n: _repeat("*a **a ", n // 2) + _repeat(" a** a*", n // 2),
    "mismatched *a_": lambda n: _repeat("*a_ ", n),
    "emphasis run **_": lambda n: _repeat("**_", n),
    "link openers [a": lambda n: _repeat("[a", n),
    "unclosed links [a](": lambda n: _repeat("[a](b", n),
    "links [a](url)": lambda n: _repeat("[a](https://example.com/x) ", n),
    "brackets [ (](": lambda n: _repeat("[ (](", n),
    "images ![": lambda n: _repeat("![", n),
    "table rows": lambda n: "a|b\n-|-\n" + _repeat("|\n", n - 8),
    "ordinary text": lambda n: _repeat(ORDINARY, n),
}

ARTICLE_INPUTS = {
    "open brackets [": USER_INPUTS["open brackets ["],
    "link openers [a": USER_INPUTS["link openers [a"],
    "nested emphasis *a **a": USER_INPUTS["nested emphasis *a **a"],
    "html tags <a ": lambda n: _repeat("<a ", n),
    "attribute braces {": lambda n: _repeat("![a](b){", n),
    "definition lists": lambda n: _repeat("Term\n:   Definition\n", n),
    "admonitions": lambda n: _repeat('!!! note "Title"\n    Text\n\n', n),
    "headings": lambda n: _repeat("## Same heading\n\n", n),
    "ordinary text": USER_INPUTS["ordinary text"],
}


SAMPLE_SECONDS = 5.0  # after this long on one size, three samples are enough


def timed(func, *args, repeat):
    """Run times in seconds: `repeat` of them, fewer for slow inputs (one past the budget)."""
    times = []
    while len(times) < repeat:
        start = time.perf_counter()
        func(*args)
        times.append(time.perf_counter() - start)
        if times[0] > budget or (sum(times) > SAMPLE_SECONDS and len(times) >= 3):
            break
    return times


def repeats_for(size, quick):
    base = 3 if quick else 7
    return base * 4 if size <= 10 * KB else base


def series(label, sizes, run, args):
    """Measure run(size) at each size; print one line per size and the linear verdict."""
    print(f"  {label}")
    per_kb, previous = {}, None
    for size in sizes:
        if previous is not None and previous > budget:
            print(f"    {size / KB:8.0f} KB   not run: {previous:.1f} s at the size before")
            continue
        times = run(size)
        median, p95 = statistics.median(times), percentile(times, 0.95)
        per_kb[size] = median / (size / KB)
        ratio = (f"   {per_kb[size] / per_kb[prior]:5.2f}x" if (prior := _before(per_kb, size))
                 else "")
        print(f"    {size / KB:8.0f} KB   median {median * 1000:10.2f} ms   p95 {p95 * 1000:10.2f}"
              f" ms   {per_kb[size] * 1e6:9.1f} us/KB{ratio}")
        previous = median
    print(f"    -> {verdict(per_kb)}")
    return per_kb


def _before(per_kb, size):
    smaller = [s for s in per_kb if s < size]
    return max(smaller) if smaller else None


def verdict(per_kb):
    if 10 * KB not in per_kb or len(per_kb) < 3:
        return "not linear: the time passed the budget before the largest size"
    largest = max(per_kb)
    factor = per_kb[largest] / per_kb[10 * KB]
    word = "linear" if factor <= LINEAR_FACTOR else "NOT linear"
    return (f"{word}: per-KB time at {largest / KB:.0f} KB is {factor:.2f}x the per-KB time"
            f" at 10 KB (linear means within {LINEAR_FACTOR:.0f}x)")


# --- rendering ------------------------------------------------------------------------------

def load(spec):
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def rendering(args, renderers):
    for title, func, inputs, sizes in renderers:
        print(f"\n{title}")
        for name, make in inputs.items():
            if args.only_input and args.only_input not in name:
                continue
            series(name, sizes, lambda size: timed(
                func, make(size), repeat=repeats_for(size, args.quick)), args)


# --- forms ----------------------------------------------------------------------------------

def validate(app, form_factory, fields, content_type):
    """Parse a POST with `fields` and validate the form (what a view does first)."""
    from werkzeug.exceptions import RequestEntityTooLarge
    with app.test_request_context("/", method="POST", data=fields, content_type=content_type):
        try:
            form = form_factory()
            form.validate()
        except RequestEntityTooLarge:
            pass


def forms(args):
    from helpdesk.auth.forms import SignInForm
    from helpdesk.tickets.forms import form_class

    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(Path(tmp) / "instance", None, WTF_CSRF_ENABLED=False)
        types = app.extensions["helpdesk.request_types"]
        request_form = form_class(types["technical-support"])
        limit = app.config.get("MAX_FORM_MEMORY_SIZE") or HUGE_FIELD
        sizes = sorted({KB, 10 * KB, 100 * KB, limit - 2 * KB})
        print(f"\nForm validation (MAX_FORM_MEMORY_SIZE = {limit:,} bytes;\n"
              "the largest size is the allowed maximum of one text field)")
        cases = [
            ("sign-in: email", SignInForm, "application/x-www-form-urlencoded",
             lambda n: {"email": "a" * (n - 12) + "@example.com"}),
            ("sign-in: password", SignInForm, "application/x-www-form-urlencoded",
             lambda n: {"email": "ann@example.com", "password": "p" * n}),
            ("request form: summary", request_form, "multipart/form-data",
             lambda n: _request_fields(summary="s" * n)),
            ("request form: description", request_form, "multipart/form-data",
             lambda n: _request_fields(description="Hello [a](b) *x* " * (n // 17))),
            ("request form: email", request_form, "multipart/form-data",
             lambda n: _request_fields(email="a" * (n - 12) + "@example.com")),
        ]
        for label, factory, content_type, make in cases:
            series(label, sizes, lambda size: timed(
                validate, app, factory, make(size), content_type,
                repeat=repeats_for(size, args.quick)), args)
        print("\n  a 40 MB email on the sign-in form, through the test client")
        client = app.test_client()
        body = {"email": "a" * HUGE_FIELD + "@example.com"}
        answers = []
        times = timed(lambda: answers.append(client.post("/login", data=body).status_code),
                      repeat=3)
        print(f"    answer {answers[-1]}, median {statistics.median(times) * 1000:.1f} ms"
              f" (building the 40 MB request in the test client included)")


def _request_fields(**fields):
    base = {"email": "ann@example.com", "summary": "Export fails",
            "description": "It fails.", "application": "web"}
    base.update(fields)
    return base


BEFORE = """\
cores: 2, load average: 5.73 6.96 5.59

helpdesk.kb.markdown:render_user_text
  open brackets [
           1 KB   median     557.67 ms   p95     809.61 ms    557672.4 us/KB
          10 KB   median   47144.72 ms   p95   47144.72 ms   4714471.9 us/KB    8.45x
          20 KB   not run: 47.1 s at the size before
         100 KB   not run: 47.1 s at the size before
    -> not linear: the time passed the budget before the largest size
  stars *
           1 KB   median       0.13 ms   p95       0.18 ms       126.4 us/KB
          10 KB   median       0.58 ms   p95       8.65 ms        57.7 us/KB    0.46x
          20 KB   median       1.04 ms   p95       9.12 ms        52.0 us/KB    0.90x
         100 KB   median       9.20 ms   p95      25.33 ms        92.0 us/KB    1.77x
    -> linear: per-KB time at 100 KB is 1.59x the per-KB time at 10 KB (linear means within 3x)
  underscores _
           1 KB   median       0.12 ms   p95       0.15 ms       122.6 us/KB
          10 KB   median       0.57 ms   p95       8.66 ms        57.0 us/KB    0.47x
          20 KB   median       1.07 ms   p95       5.19 ms        53.4 us/KB    0.94x
         100 KB   median      12.64 ms   p95      18.39 ms       126.4 us/KB    2.37x
    -> linear: per-KB time at 100 KB is 2.22x the per-KB time at 10 KB (linear means within 3x)
  backticks `
           1 KB   median       0.63 ms   p95       8.78 ms       631.5 us/KB
          10 KB   median      13.36 ms   p95      21.45 ms      1335.6 us/KB    2.12x
          20 KB   median      26.68 ms   p95      32.08 ms      1334.2 us/KB    1.00x
         100 KB   median     153.56 ms   p95     162.03 ms      1535.6 us/KB    1.15x
    -> linear: per-KB time at 100 KB is 1.15x the per-KB time at 10 KB (linear means within 3x)
  growing backtick runs
           1 KB   median       0.45 ms   p95       8.55 ms       454.0 us/KB
          10 KB   median       7.09 ms   p95      10.25 ms       708.6 us/KB    1.56x
          20 KB   median      11.91 ms   p95      17.59 ms       595.6 us/KB    0.84x
         100 KB   median      54.62 ms   p95      59.52 ms       546.2 us/KB    0.92x
    -> linear: per-KB time at 100 KB is 0.77x the per-KB time at 10 KB (linear means within 3x)
  nested quotes >
           1 KB   median      79.91 ms   p95     118.62 ms     79909.9 us/KB
          10 KB   median     385.41 ms   p95     505.86 ms     38541.3 us/KB    0.48x
          20 KB   median     683.34 ms   p95     798.96 ms     34167.0 us/KB    0.89x
         100 KB   median    2657.26 ms   p95    3166.63 ms     26572.6 us/KB    0.78x
    -> linear: per-KB time at 100 KB is 0.69x the per-KB time at 10 KB (linear means within 3x)
  quote marks >
           1 KB   median      74.64 ms   p95      93.23 ms     74638.1 us/KB
          10 KB   median     255.57 ms   p95     394.28 ms     25556.6 us/KB    0.34x
          20 KB   median     594.68 ms   p95     668.25 ms     29733.8 us/KB    1.16x
         100 KB   median    3215.61 ms   p95    4276.23 ms     32156.1 us/KB    1.08x
    -> linear: per-KB time at 100 KB is 1.26x the per-KB time at 10 KB (linear means within 3x)
  nested emphasis *a **a
           1 KB   median      27.61 ms   p95      35.25 ms     27610.5 us/KB
          10 KB   median     297.52 ms   p95     348.46 ms     29751.6 us/KB    1.08x
          20 KB   median     524.96 ms   p95     590.36 ms     26248.1 us/KB    0.88x
         100 KB   median    2499.79 ms   p95    3451.61 ms     24997.9 us/KB    0.95x
    -> linear: per-KB time at 100 KB is 0.84x the per-KB time at 10 KB (linear means within 3x)
  mismatched *a_
           1 KB   median       1.36 ms   p95       5.41 ms      1359.8 us/KB
          10 KB   median      24.37 ms   p95      30.61 ms      2437.4 us/KB    1.79x
          20 KB   median      48.77 ms   p95      83.55 ms      2438.3 us/KB    1.00x
         100 KB   median     250.33 ms   p95     253.78 ms      2503.3 us/KB    1.03x
    -> linear: per-KB time at 100 KB is 1.03x the per-KB time at 10 KB (linear means within 3x)
  emphasis run **_
           1 KB   median      17.16 ms   p95      22.22 ms     17164.7 us/KB
          10 KB   median     183.92 ms   p95     212.48 ms     18391.9 us/KB    1.07x
          20 KB   median     406.01 ms   p95     446.70 ms     20300.7 us/KB    1.10x
         100 KB   median    3248.06 ms   p95    4222.82 ms     32480.6 us/KB    1.60x
    -> linear: per-KB time at 100 KB is 1.77x the per-KB time at 10 KB (linear means within 3x)
  link openers [a
           1 KB   median     312.80 ms   p95     345.59 ms    312802.0 us/KB
          10 KB   median   31767.31 ms   p95   31767.31 ms   3176730.9 us/KB   10.16x
          20 KB   not run: 31.8 s at the size before
         100 KB   not run: 31.8 s at the size before
    -> not linear: the time passed the budget before the largest size
  unclosed links [a](
           1 KB   median      70.13 ms   p95     540.64 ms     70128.5 us/KB
          10 KB   median    4847.33 ms   p95    5710.04 ms    484732.9 us/KB    6.91x
          20 KB   median   32558.55 ms   p95   32558.55 ms   1627927.3 us/KB    3.36x
         100 KB   not run: 32.6 s at the size before
    -> NOT linear: per-KB time at 20 KB is 3.36x the per-KB time at 10 KB (linear means within 3x)
  links [a](url)
           1 KB   median      12.31 ms   p95      30.33 ms     12310.4 us/KB
          10 KB   median     144.78 ms   p95     201.23 ms     14477.8 us/KB    1.18x
          20 KB   median     274.21 ms   p95     376.63 ms     13710.3 us/KB    0.95x
         100 KB   median    1730.34 ms   p95    1888.36 ms     17303.4 us/KB    1.26x
    -> linear: per-KB time at 100 KB is 1.20x the per-KB time at 10 KB (linear means within 3x)
  brackets [ (](
           1 KB   median     139.27 ms   p95     238.07 ms    139270.8 us/KB
          10 KB   median   13392.11 ms   p95   13392.11 ms   1339210.9 us/KB    9.62x
          20 KB   not run: 13.4 s at the size before
         100 KB   not run: 13.4 s at the size before
    -> not linear: the time passed the budget before the largest size
  images ![
           1 KB   median     826.77 ms   p95    1129.37 ms    826773.8 us/KB
          10 KB   median   57879.19 ms   p95   57879.19 ms   5787918.9 us/KB    7.00x
          20 KB   not run: 57.9 s at the size before
         100 KB   not run: 57.9 s at the size before
    -> not linear: the time passed the budget before the largest size
  table rows
           1 KB   median      71.32 ms   p95      85.83 ms     71324.9 us/KB
          10 KB   median     697.45 ms   p95     794.51 ms     69744.6 us/KB    0.98x
          20 KB   median    1292.20 ms   p95    1444.63 ms     64610.2 us/KB    0.93x
         100 KB   median    8447.59 ms   p95    9212.65 ms     84475.9 us/KB    1.31x
    -> linear: per-KB time at 100 KB is 1.21x the per-KB time at 10 KB (linear means within 3x)
  ordinary text
           1 KB   median      19.58 ms   p95      54.87 ms     19579.8 us/KB
          10 KB   median     151.81 ms   p95     180.03 ms     15180.8 us/KB    0.78x
          20 KB   median     262.85 ms   p95     313.23 ms     13142.6 us/KB    0.87x
         100 KB   median    1306.14 ms   p95    1640.43 ms     13061.4 us/KB    0.99x
    -> linear: per-KB time at 100 KB is 0.86x the per-KB time at 10 KB (linear means within 3x)

Form validation (MAX_FORM_MEMORY_SIZE = 500,000 bytes;
the largest size is the allowed maximum of one text field)
  sign-in: email
           1 KB   median       1.14 ms   p95      21.17 ms      1138.1 us/KB
          10 KB   median      34.98 ms   p95      54.09 ms      3498.3 us/KB    3.07x
         100 KB   median     347.99 ms   p95     384.58 ms      3479.9 us/KB    0.99x
         498 KB   median    1451.99 ms   p95    1527.27 ms      2915.6 us/KB    0.84x
    -> linear: per-KB time at 498 KB is 0.83x the per-KB time at 10 KB (linear means within 3x)
  sign-in: password
           1 KB   median       0.41 ms   p95      16.78 ms       414.3 us/KB
          10 KB   median       0.47 ms   p95      16.88 ms        46.8 us/KB    0.11x
         100 KB   median       1.01 ms   p95      17.18 ms        10.1 us/KB    0.21x
         498 KB   median      19.27 ms   p95      23.56 ms        38.7 us/KB    3.85x
    -> linear: per-KB time at 498 KB is 0.83x the per-KB time at 10 KB (linear means within 3x)
  request form: summary
           1 KB   median       2.04 ms   p95      18.40 ms      2043.3 us/KB
          10 KB   median       5.57 ms   p95      18.10 ms       556.8 us/KB    0.27x
         100 KB   median      18.28 ms   p95      22.27 ms       182.8 us/KB    0.33x
         498 KB   median      18.91 ms   p95      27.67 ms        38.0 us/KB    0.21x
    -> linear: per-KB time at 498 KB is 0.07x the per-KB time at 10 KB (linear means within 3x)
  request form: description
           1 KB   median       1.82 ms   p95      21.88 ms      1818.6 us/KB
          10 KB   median       2.10 ms   p95      21.92 ms       210.2 us/KB    0.12x
         100 KB   median      10.63 ms   p95      18.35 ms       106.3 us/KB    0.51x
         498 KB   median      16.99 ms   p95      19.01 ms        34.1 us/KB    0.32x
    -> linear: per-KB time at 498 KB is 0.16x the per-KB time at 10 KB (linear means within 3x)
  request form: email
           1 KB   median      14.82 ms   p95      25.12 ms     14816.6 us/KB
          10 KB   median      39.91 ms   p95      48.48 ms      3990.9 us/KB    0.27x
         100 KB   median     281.97 ms   p95     313.76 ms      2819.7 us/KB    0.71x
         498 KB   median    1437.14 ms   p95    1575.31 ms      2885.8 us/KB    1.02x
    -> linear: per-KB time at 498 KB is 0.72x the per-KB time at 10 KB (linear means within 3x)

  a 40 MB email on the sign-in form, through the test client
    answer 400, median 148897.2 ms (building the 40 MB request in the test client included)
"""


def main():
    global budget
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--budget", type=float, default=budget,
                        help="seconds: a size whose median passes this stops its input")
    parser.add_argument("--renderer", action="append",
                        help="MODULE:FUNCTION to time instead of the current renderers")
    parser.add_argument("--only", choices=["rendering", "forms"])
    parser.add_argument("--only-input", help="only the inputs whose name contains this")
    args = parser.parse_args()
    budget = args.budget

    print(f"cores: {os.cpu_count()}, load average: "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    if args.only != "forms":
        rendering(args, _renderers(args))
    if args.only != "rendering":
        forms(args)
    if not args.renderer:
        print("\nBEFORE (not measured in this run): Python-Markdown 3.11.3, the renderer this"
              " replaced,\nmeasured with this script (--renderer helpdesk.kb.markdown:"
              "render_user_text) on the commit\nbefore the switch, on this machine, with the"
              " forms as they were then:\n" + BEFORE)


def _renderers(args):
    if args.renderer:
        return [(spec, load(spec), USER_INPUTS, [KB, 10 * KB, 20 * KB, 100 * KB])
                for spec in args.renderer]
    from helpdesk.kb.rendering import render_article
    from helpdesk.markup import MARKDOWN_MAX_CHARS, render_markdown, render_user_text
    sizes = sorted({KB, 10 * KB, MARKDOWN_MAX_CHARS, 100 * KB})
    return [
        (f"User text, Markdown path (helpdesk.markup.render_markdown; the allowed maximum is"
         f" MARKDOWN_MAX_CHARS = {MARKDOWN_MAX_CHARS:,})", render_markdown, USER_INPUTS, sizes),
        ("User text as pages render it (render_user_text: plain text past MARKDOWN_MAX_CHARS)",
         render_user_text, USER_INPUTS, [s for s in sizes if s >= 10 * KB]),
        ("Articles (helpdesk.kb.rendering.render_article)", render_article, ARTICLE_INPUTS,
         sizes),
    ]


if __name__ == "__main__":
    main()
