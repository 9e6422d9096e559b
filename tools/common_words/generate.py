#!/usr/bin/env python3
"""Generates data/words.en.txt and data/words.es.txt, the English and Spanish words that
src/details/persons.rs tells organisations' names from people's with ("World Bank" and
"Naciones Unidas" are made of words the language also writes in lower case; "Priya Sharma"
is not). Not typed by hand: every word comes from Debian's word lists (SCOWL's `wamerican`,
and `wspanish`), of which only the entries written in lower case are kept (SCOWL lists
names capitalised); a Spanish verb also gives its participle ("unir": "unido").
English and Spanish only: they capitalise every word of an organisation's name, where
French, Russian and Vietnamese capitalise the first.

Usage: apt-get install wamerican wspanish
       python3 tools/common_words/generate.py data

Output: one word per line, sorted by bytes and front-coded (a line's first character says how
many letters it shares with the line before: 0-9, then A-Z), which build.rs decodes and builds
into an FST set: each word folded as the reader folds title words (lower case, ASCII letters
without their diacritics); words shorter than three letters are left out (no name is that
short). Words are kept whole: the reader takes a plural's or a gender's ending off the word it
looks up ("naciones": "nacion", "unidas": "unido"), not off the list's words, whose cut forms
are other words' ("this" is no name, "Thi" is).
"""
import sys
import unicodedata

SOURCES = {"en": "/usr/share/dict/american-english", "es": "/usr/share/dict/spanish"}
# Front coding: each line starts with how many leading letters it shares with the line
# before, as one of these characters (0-9, then A-Z), then the rest of the word.
DIGITS = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# A Spanish verb's ending and its participle's ("unir": "unido", "unidas").
PARTICIPLES = {"ar": "ad", "er": "id", "ir": "id"}


def fold(word):
    """Lower case, diacritics removed; None unless the result is ASCII letters."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    out = "".join(c for c in decomposed if not unicodedata.combining(c))
    return out if out.isascii() and out.isalpha() else None


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "data"
    for lang, path in SOURCES.items():
        words = set()
        with open(path, encoding="utf-8") as f:
            for line in f:
                word = line.strip()
                if not word or not word[0].islower():
                    continue
                folded = fold(word)
                if folded is None:
                    continue
                forms = [folded]
                if lang == "es" and folded[-2:] in PARTICIPLES and len(folded) >= 4:
                    forms.append(folded[:-2] + PARTICIPLES[folded[-2:]] + "o")
                words.update(form for form in forms if len(form) >= 3)
        with open(f"{out_dir}/words.{lang}.txt", "wb") as out:
            previous = b""
            for w in sorted(words, key=lambda w: w.encode()):
                word = w.encode()
                shared = 0
                while shared < min(len(word), len(previous), len(DIGITS) - 1) and word[shared] == previous[shared]:
                    shared += 1
                out.write(DIGITS[shared : shared + 1] + word[shared:] + b"\n")
                previous = word


if __name__ == "__main__":
    main()
