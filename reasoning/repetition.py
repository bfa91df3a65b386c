"""Telling a model that repeats itself from one that is saying something (SPEC §1: a stream that
repeats itself is stopped, stop reason `repetition`).

`Repetition` watches one call's text as it streams, at a cost linear in the text; `same_text`
compares two whole texts (a segment or a step against an earlier one). The thresholds were
tuned on SmolLM2-135M's own loops (tests/fixtures/degenerate/), and none of them fires on that
model's ordinary answers nor on the fake server's transcripts.
"""

from __future__ import annotations

from collections import Counter, deque

# 1. One short pattern over and over: "24*6, 24*6, …", "1212…", endless newlines under a
# server's JSON grammar. A tail this long made of one pattern of at most PERIODIC_MAX characters
# is a loop: no answer has 240 characters of one short pattern (a wide table's rule is shorter).
PERIODIC_WINDOW = 240
PERIODIC_MAX = 32
# The checks run once this many characters have come (a delta is a token or two): the cost is
# per batch, and a loop is stopped at most this many characters later.
CHECK_EVERY = 32

# 2. The same line again and again: a non-blank line of at least LINE_MIN_CHARS characters seen
# LINE_REPEATS times among the last LINE_WINDOW non-blank lines. (Solutions repeat short lines:
# "```", "\\end{aligned}", "= 4"; they do not say one sentence five times in twenty lines.)
LINE_MIN_CHARS = 12
LINE_REPEATS = 5
LINE_WINDOW = 20

# 3. A loop of several lines or sentences: of the last NGRAM_WINDOW word NGRAM-grams, fewer than
# NGRAM_DISTINCT_BELOW are distinct. A loop of L words has about L distinct n-grams, so this
# catches loops up to 0.3 x 300 = 90 words long within 300 words; ordinary prose and worked
# solutions keep more than 0.8 of their 6-grams distinct.
NGRAM = 6
NGRAM_WINDOW = 300
NGRAM_DISTINCT_BELOW = 0.3
WORD_MAX_CHARS = 64  # a "word" longer than this is cut (a run of digits without spaces...)

# Two whole texts (segments, steps) are the same when their words are, or when they are at least
# SAME_MIN_WORDS long and share this share of their word 4-grams (small models re-send the
# previous segment or step give or take a word).
SAME_MIN_WORDS = 8
SAME_OVERLAP = 0.85


def periodic(tail: str, window: int = PERIODIC_WINDOW, longest: int = PERIODIC_MAX) -> bool:
    """Whether the last `window` characters are one pattern of at most `longest` repeated."""
    if len(tail) < window:
        return False
    w = tail[-window:]
    # A window of period p has its last `longest` characters again p characters earlier: find
    # those earlier places (in C), and compare the window with itself shifted only there.
    needle, first = w[-longest:], window - 2 * longest
    at = w.rfind(needle, first, window - 1)
    while at != -1:
        p = window - longest - at
        if w[p:] == w[:-p]:
            return True
        at = w.rfind(needle, first, at + longest - 1)
    return False


class Repetition:
    """Feed a call's text delta by delta; `feed` returns why it repeats itself once it does."""

    def __init__(self) -> None:
        self._tail = ""  # the last PERIODIC_WINDOW characters
        self._unchecked: list[str] = []  # text come since the last check
        self._size = 0  # its characters
        self._line = ""  # the line being written
        self._lines: deque[str] = deque(maxlen=LINE_WINDOW)
        self._line_counts: Counter[str] = Counter()
        self._word = ""  # the word being written
        self._words: deque[str] = deque(maxlen=NGRAM)
        self._grams: deque[int] = deque()
        self._gram_counts: dict[int, int] = {}
        self.reason: str | None = None

    def feed(self, text: str) -> str | None:
        """Take the next delta; the reason (one line) once the text repeats itself, else None."""
        if self.reason is not None or not text:
            return self.reason
        self._unchecked.append(text)
        self._size += len(text)
        if self._size < CHECK_EVERY:
            return None
        text = "".join(self._unchecked)
        self._unchecked.clear()
        self._size = 0
        self._tail = (self._tail + text)[-PERIODIC_WINDOW:]
        if periodic(self._tail):
            self.reason = f"the same short pattern over and over ({self._pattern()!r})"
            return self.reason
        self._lines_of(text)
        if self.reason is None:
            self._words_of(text)
        return self.reason

    def _pattern(self) -> str:
        w = self._tail
        for p in range(1, PERIODIC_MAX + 1):
            if w[p:] == w[:-p]:
                return w[-p:]
        return w[-8:]

    def _lines_of(self, text: str) -> None:
        *done, self._line = (self._line + text).split("\n")
        self._line = self._line[-1000:]  # a line that never ends is not a repeated line
        for line in done:
            line = " ".join(line.split())
            if not line:
                continue
            if len(self._lines) == LINE_WINDOW:
                old = self._lines[0]
                if len(old) >= LINE_MIN_CHARS:  # only those are counted
                    self._line_counts[old] -= 1
                    if not self._line_counts[old]:
                        del self._line_counts[old]
            self._lines.append(line)
            if len(line) < LINE_MIN_CHARS:
                continue
            self._line_counts[line] += 1
            if self._line_counts[line] >= LINE_REPEATS:
                shown = line if len(line) <= 60 else line[:59] + "…"
                self.reason = f"the same line {LINE_REPEATS} times ({shown!r})"
                return

    def _words_of(self, text: str) -> None:
        buf = self._word + text
        done = buf.split()
        self._word = done.pop()[:WORD_MAX_CHARS] if done and not buf[-1].isspace() else ""
        words, grams, counts = self._words, self._grams, self._gram_counts
        for word in done:
            words.append(word[:WORD_MAX_CHARS])
            if len(words) < NGRAM:
                continue
            gram = hash(tuple(words))
            grams.append(gram)
            counts[gram] = counts.get(gram, 0) + 1
            if len(grams) > NGRAM_WINDOW:
                old = grams.popleft()
                left = counts[old] - 1
                if left:
                    counts[old] = left
                else:
                    del counts[old]
        if len(grams) == NGRAM_WINDOW and len(counts) < NGRAM_DISTINCT_BELOW * NGRAM_WINDOW:
            self.reason = (
                f"the same words in a loop (of its last {NGRAM_WINDOW} word {NGRAM}-grams,"
                f" {len(counts)} are distinct)"
            )


def same_text(text: str, earlier: str | None) -> bool:
    """Whether a whole text says again what an earlier one said (word for word, or nearly)."""
    if earlier is None:
        return False
    a, b = text.split(), earlier.split()
    if not a:
        return False
    if a == b:
        return True
    if len(a) < SAME_MIN_WORDS or len(b) < SAME_MIN_WORDS:
        return False
    grams_a = {tuple(a[i : i + 4]) for i in range(len(a) - 3)}
    grams_b = {tuple(b[i : i + 4]) for i in range(len(b) - 3)}
    return len(grams_a & grams_b) / len(grams_a | grams_b) >= SAME_OVERLAP
