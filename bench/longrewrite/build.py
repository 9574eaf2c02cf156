#!/usr/bin/env python3
"""Builds a development corpus of long rewritten passages, in PAN 2009-2011 layout.

The text is *The Debian Administrator's Handbook* (Hertzog and Mas,
GPL-2.0+ or CC-BY-SA-3.0), which Debian ships in 25 languages as the
package ``debian-handbook``: an openly licensed book of running prose,
reachable through a package registry, in English and in languages
tessera's priors know nothing about (German, Indonesian, ...). The
package is downloaded with ``apt-get download`` (or given with ``--deb``)
and unpacked into the work folder; nothing of it is kept in the repository.

Layout (what ``tessera eval --gold DIR`` reads):

* ``source-documents/source-documentNNNNN.txt``: runs of consecutive
  paragraphs of one part of the book (3,000 to 9,000 characters);
* ``suspicious-documents/suspicious-documentNNNNN.txt``: paragraphs of
  another part of the book (about a fifth hold nothing else) into which one
  to three passages of 500 to 3,000 characters taken from the sources are
  inserted, each rewritten one way; its truth beside it as
  ``suspicious-documentNNNNN.xml`` (PAN's ``<feature name="plagiarism"
  obfuscation=... this_offset ... source_length>``, offsets in code points).

Rewritings, each of a whole passage of several sentences (the PAN 2011
obfuscation kinds, approximated without a dictionary, so they work in any
language):

* ``none``: verbatim;
* ``shuffle``: PAN's random obfuscation: in windows of a few words, words
  shuffled, dropped, replaced by words of the corpus and inserted;
* ``pos``: a word-class-preserving shuffle: the content words of each
  sentence trade places with each other, the function words (the language's
  most frequent words, counted in the book) stay where they are;
* ``paraphrase``: what people do to a passage they rewrite: sentences
  reordered locally, clauses swapped at commas, a quarter of the content
  words replaced by other words of the book of similar frequency, words
  dropped and inserted, now and then a sentence left out, one split in two,
  or a sentence of the writer's own added.

Usage::

    python3 bench/longrewrite/build.py --lang de-DE --out /tmp/lr-de
    cargo run --release -- eval --gold /tmp/lr-de
"""

from __future__ import annotations

import argparse
import collections
import glob
import html.parser
import os
import random
import re
import subprocess
import sys
import tempfile


class Paragraphs(html.parser.HTMLParser):
    """Running-text paragraphs (DocBook's ``<div class="para">``) of a page, code left out."""

    SKIP = ("pre", "script", "style", "table")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.buf: list[str] | None = None
        self.depth = 0  # open <div>s
        self.para_depth = -1  # depth at which the paragraph being read opened
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.SKIP:
            self.skip += 1
        elif tag == "div":
            self.depth += 1
            if ("class", "para") in attrs:
                self.flush()
                self.buf = []
                self.para_depth = self.depth

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "div":
            if self.depth == self.para_depth:
                self.flush()
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.buf is not None and self.skip == 0:
            self.buf.append(data)

    def flush(self) -> None:
        if self.buf is not None:
            text = re.sub(r"\s+", " ", "".join(self.buf)).strip()
            if len(text) >= 120 and text[-1] in ".!?。！？":
                self.out.append(text)
        self.buf = None
        self.para_depth = -1


def book(deb: str | None, lang: str, work: str) -> list[str]:
    root = os.path.join(work, "pkg")
    if not os.path.isdir(root):
        if deb is None:
            subprocess.run(["apt-get", "download", "debian-handbook"], cwd=work,
                           check=True, stdout=subprocess.DEVNULL)
            deb = sorted(glob.glob(os.path.join(work, "debian-handbook_*.deb")))[-1]
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
    pages = sorted(glob.glob(os.path.join(
        root, "usr/share/doc/debian-handbook/html", lang, "*.html")))
    if not pages:
        sys.exit(f"no pages for language {lang} in the package")
    paras: list[str] = []
    for page in pages:
        p = Paragraphs()
        with open(page, encoding="utf-8") as f:
            p.feed(f.read())
        p.flush()
        paras.extend(p.out)
    return paras


# The book's most frequent words stand for the language's function words.
FUNCTION_WORDS = 80

SENT = re.compile(r"(?<=[.!?。！？])\s+(?=\S)")
WORD = re.compile(r"\w+", re.UNICODE)


def sentences(text: str) -> list[str]:
    return [s for s in SENT.split(text) if s]


class Rewriter:
    def __init__(self, rng: random.Random, paras: list[str]) -> None:
        self.rng = rng
        counts = collections.Counter(w.lower() for p in paras for w in WORD.findall(p))
        ranked = [w for w, _ in counts.most_common()]
        self.function = set(ranked[:FUNCTION_WORDS])
        self.rank = {w: i for i, w in enumerate(ranked)}
        self.ranked = ranked

    def similar(self, word: str) -> str:
        """Another word of the book of about the same frequency (a synonym's stand-in)."""
        i = self.rank.get(word.lower())
        if i is None or i < FUNCTION_WORDS:
            return word
        j = min(len(self.ranked) - 1, max(FUNCTION_WORDS, i + self.rng.randint(-40, 40)))
        w = self.ranked[j]
        return w.capitalize() if word[:1].isupper() else w

    def remark(self, text: str) -> str:
        """A sentence of the writer's own about the passage: its content
        words, recombined with the language's function words."""
        content = [w for w in WORD.findall(text) if w.lower() not in self.function]
        n = self.rng.randint(8, 16)
        words = [self.rng.choice(content) if self.rng.random() < 0.6 and content
                 else self.rng.choice(self.ranked[:FUNCTION_WORDS]) for _ in range(n)]
        sent = " ".join(words)
        return sent[:1].upper() + sent[1:] + "."

    def shuffle(self, text: str) -> str:
        words = text.split()
        out: list[str] = []
        i = 0
        while i < len(words):
            n = self.rng.randint(3, 6)
            win = words[i:i + n]
            i += n
            r = self.rng.random()
            if r < 0.5:
                self.rng.shuffle(win)
            elif r < 0.65 and len(win) > 1:
                del win[self.rng.randrange(len(win))]
            elif r < 0.8:
                k = self.rng.randrange(len(win))
                win[k] = self.similar(win[k])
            elif r < 0.9:
                win.insert(self.rng.randrange(len(win) + 1),
                           self.rng.choice(self.ranked[FUNCTION_WORDS:2000]))
            out.extend(win)
        return " ".join(out)

    def pos(self, text: str) -> str:
        out = []
        for s in sentences(text):
            toks = s.split()
            slots = [k for k, t in enumerate(toks)
                     if WORD.fullmatch(t) and t.lower() not in self.function]
            moved = [toks[k] for k in slots]
            # Shuffle inside windows of the content words: people keep a
            # sentence's topic where it was.
            for a in range(0, len(moved), 4):
                w = moved[a:a + 4]
                self.rng.shuffle(w)
                moved[a:a + 4] = w
            for k, t in zip(slots, moved):
                toks[k] = t
            out.append(" ".join(toks))
        return " ".join(out)

    def paraphrase(self, text: str) -> str:
        sents = sentences(text)
        # Local reordering of sentences.
        for k in range(len(sents) - 1):
            if self.rng.random() < 0.2:
                sents[k], sents[k + 1] = sents[k + 1], sents[k]
        out: list[str] = []
        for s in sents:
            r = self.rng.random()
            if r < 0.08 and len(sents) > 2:
                continue  # left out
            parts = s.rstrip(".!?").split(", ")
            if len(parts) > 1 and self.rng.random() < 0.4:
                a = self.rng.randrange(len(parts) - 1)
                parts[a], parts[a + 1] = parts[a + 1], parts[a]
            words = ", ".join(parts).split()
            new: list[str] = []
            for w in words:
                x = self.rng.random()
                if x < 0.08:
                    continue
                if x < 0.33 and w.lower() not in self.function:
                    w = self.similar(w)
                new.append(w)
                if self.rng.random() < 0.06:
                    new.append(self.rng.choice(self.ranked[:400]))
            if not new:
                continue
            if len(new) > 16 and self.rng.random() < 0.2:
                cut = len(new) // 2
                new[cut - 1] += "."
                new[cut] = new[cut][:1].upper() + new[cut][1:]
            sent = " ".join(new)
            sent = sent[:1].upper() + sent[1:] + s[-1]
            out.append(sent)
            if self.rng.random() < 0.08:
                out.append(self.remark(text))
        return " ".join(out) if out else text


def passage(rng: random.Random, src: str) -> tuple[int, int] | None:
    """A run of whole sentences of `src` of 500 to 3,000 characters."""
    bounds = [0] + [m.end() for m in SENT.finditer(src)] + [len(src)]
    starts = sorted(set(bounds[:-1]))
    want = rng.choice([(500, 1000), (1000, 2000), (2000, 3000)])
    for _ in range(50):
        a = rng.choice(starts)
        ends = [b for b in bounds if want[0] <= b - a <= want[1]]
        if ends:
            b = rng.choice(ends)
            return a, len(src[a:b].rstrip()) + a
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lang", default="en-US", help="language folder of the handbook (en-US, de-DE, id-ID, ...)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--deb", help="a downloaded debian-handbook .deb")
    ap.add_argument("--work", help="where the package is unpacked (default: a temporary folder)")
    ap.add_argument("--sources", type=int, default=40)
    ap.add_argument("--suspicious", type=int, default=50)
    ap.add_argument("--seed", type=int, default=2011)
    args = ap.parse_args()

    work = args.work or tempfile.mkdtemp(prefix="tessera-lr-")
    os.makedirs(work, exist_ok=True)
    paras = book(args.deb, args.lang, work)
    rng = random.Random(args.seed)
    rw = Rewriter(rng, paras)

    # Sources from the first half of the book, suspicious text from the second.
    half = len(paras) // 2
    srcs: list[str] = []
    i = 0
    while len(srcs) < args.sources and i < half:
        chunk: list[str] = []
        want = rng.randint(3000, 9000)
        size = 0
        while i < half and size < want:
            chunk.append(paras[i])
            size += len(paras[i]) + 2
            i += 1
        srcs.append("\n\n".join(chunk) + "\n")
    filler = paras[half:]

    src_dir = os.path.join(args.out, "source-documents")
    susp_dir = os.path.join(args.out, "suspicious-documents")
    os.makedirs(src_dir, exist_ok=True)
    os.makedirs(susp_dir, exist_ok=True)
    for k, s in enumerate(srcs, 1):
        with open(os.path.join(src_dir, f"source-document{k:05d}.txt"), "w", encoding="utf-8") as f:
            f.write(s)

    kinds = ["none", "shuffle", "pos", "paraphrase"]
    tally: collections.Counter[str] = collections.Counter()
    j = 0
    for k in range(1, args.suspicious + 1):
        n_para = rng.randint(6, 14)
        host = filler[j:j + n_para]
        j = (j + n_para) % max(1, len(filler) - 20)
        n_cases = 0 if rng.random() < 0.2 else rng.randint(1, 3)
        pieces: list[tuple[str, dict | None]] = [(p, None) for p in host]
        for _ in range(n_cases):
            sk = rng.randrange(len(srcs))
            span = passage(rng, srcs[sk])
            if span is None:
                continue
            kind = rng.choice(kinds)
            orig = srcs[sk][span[0]:span[1]]
            text = orig if kind == "none" else getattr(rw, kind)(orig)
            tally[kind] += 1
            pieces.insert(rng.randrange(len(pieces) + 1), (text, {
                "obfuscation": kind,
                "source_reference": f"source-document{sk + 1:05d}.txt",
                "source_offset": span[0],
                "source_length": span[1] - span[0],
            }))
        text = ""
        feats = []
        for p, case in pieces:
            if text:
                text += "\n\n"
            if case is not None:
                feats.append(dict(case, this_offset=len(text), this_length=len(p)))
            text += p
        text += "\n"
        name = f"suspicious-document{k:05d}"
        with open(os.path.join(susp_dir, name + ".txt"), "w", encoding="utf-8") as f:
            f.write(text)
        with open(os.path.join(susp_dir, name + ".xml"), "w", encoding="utf-8") as f:
            f.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<document reference="{name}.txt">\n')
            for c in feats:
                f.write('<feature name="plagiarism" type="artificial" obfuscation="{obfuscation}" '
                        'this_language="{lang}" this_offset="{this_offset}" this_length="{this_length}" '
                        'source_reference="{source_reference}" source_language="{lang}" '
                        'source_offset="{source_offset}" source_length="{source_length}"/>\n'
                        .format(lang=args.lang[:2], **c))
            f.write("</document>\n")
    print(f"{args.out}: {len(srcs)} sources, {args.suspicious} suspicious documents, "
          f"cases {dict(sorted(tally.items()))}", file=sys.stderr)


if __name__ == "__main__":
    main()
