"""Appendix rows to features: same report row, decision numbers, fuzzy names (rapidfuzz).

Every match has a score (0-100) and a reason. Names are compared normalised: lower
case, accents off, abbreviations written out (ĐT -> đường tỉnh, QL -> quốc lộ, KCN, CCN,
TP, UBND), punctuation out. A row in the same place (appendix and number) as a
feature's row in an earlier report gets a small bonus, which breaks ties between
similar names.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from layers.report_fields import PARENT

ABBREVIATIONS = {
    "đt": "đường tỉnh", "ql": "quốc lộ", "kcn": "khu công nghiệp", "ccn": "cụm công nghiệp",
    "tp": "thành phố", "ubnd": "ủy ban nhân dân", "hđnd": "hội đồng nhân dân",
    "bv": "bệnh viện", "da": "dự án", "kh&cn": "khoa học và công nghệ",
    "khcn": "khoa học và công nghệ", "đbscl": "đồng bằng sông cửu long",
}
DECISION = re.compile(r"\b\d+/(?:\d{4}/)?(?:QĐ|NQ|CT|KH|CTr|ĐA)[\w\-–&]*", re.IGNORECASE)
# words every row of a Cần Thơ report has: left out before names are compared
COMMON_WORDS = re.compile(r"\b(?:thanh pho can tho|tp can tho|can tho|thanh pho|tren dia ban|"
                          r"du an|cua|tai|va)\b")
MATCH_AT = 88  # a name this close (and clearly closer than the next) is a match
CANDIDATE_AT = 72  # closer than this: listed as a candidate of an ambiguous row
MARGIN = 4
PLACE_MATCH_AT = 80  # enough for a name in the same row place as in the last report
PLACE_BONUS = 6
NUMBER_BONUS = 8


@dataclass
class Candidate:
    layer: str
    id: str
    name: str
    props: dict
    decisions: set[str] = field(default_factory=set)
    norm: str = ""


@dataclass
class Match:
    status: str  # matched | ambiguous | unmatched
    features: list[Candidate] = field(default_factory=list)
    score: float = 0
    reason: str = ""
    candidates: list[tuple[Candidate, float]] = field(default_factory=list)


def normalise(text: str) -> str:
    text = text.lower().replace("đ", "đ")
    words = re.findall(r"[\w&]+", text)
    text = " ".join(ABBREVIATIONS.get(w, w) for w in words)
    text = unicodedata.normalize("NFD", text.replace("đ", "d"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return " ".join(COMMON_WORDS.sub(" ", text).split())


def name_score(a: str, b: str, **_) -> float:
    """Words in common (a renamed or shortened row) weighed with the words' order; the
    numbers of a name (road 923, decision years) must be in the other one."""
    score = 0.6 * fuzz.token_set_ratio(a, b) + 0.4 * fuzz.token_sort_ratio(a, b)
    numbers = set(re.findall(r"\d+", a))
    if numbers:
        score += NUMBER_BONUS if numbers <= set(re.findall(r"\d+", b)) else -NUMBER_BONUS
    return max(0.0, min(100.0, score))


def decisions(text: str) -> set[str]:
    return {re.sub(r"[\s–]", "-", d.upper()) for d in DECISION.findall(text or "")}


def candidate(layer: str, fid: str, props: dict) -> Candidate:
    texts = " ".join(str(v) for v in props.values() if isinstance(v, str))
    name = props.get("name") or ""
    return Candidate(layer, fid, name, props, decisions(texts), normalise(name))


class Matcher:
    def __init__(self, features: list[Candidate], doc_id: str | None,
                 refs: dict[tuple[str, str], set[tuple[str, str]]],
                 places: dict[str, set[tuple[str, str]]]):
        """``refs``: (doc, ref) -> features citing that report row (rows or figures);
        ``places``: "III/5" -> features at that place in an earlier report."""
        self.features = features
        self.by_key = {(c.layer, c.id): c for c in features}
        self.by_id: dict[str, list[Candidate]] = {}
        for c in features:
            self.by_id.setdefault(c.id, []).append(c)
        self.doc_id = doc_id
        self.refs = refs
        self.places = places
        self.norms = [c.norm for c in features]

    def resolve(self, fid: str) -> Candidate | None:
        layer, _, bare = fid.partition(":") if ":" in fid else ("", "", fid)
        found = [c for c in self.by_id.get(bare, []) if not layer or c.layer == layer]
        return found[0] if len(found) == 1 else None

    def match(self, row) -> Match:
        if self.doc_id is not None:
            same = self.refs.get((self.doc_id, row.ref))
            if same:
                feats = [self.by_key[k] for k in sorted(same) if k in self.by_key]
                if feats:
                    return Match("matched", feats, 100,
                                 "the same report row (source of the feature or its figures)")
        row_decisions = decisions(f"{row.name} {row.status_text}")
        by_decision = [c for c in self.features if c.decisions & row_decisions]
        if len(by_decision) == 1 and by_decision[0].norm:
            c = by_decision[0]
            similar = fuzz.token_set_ratio(normalise(row.name), c.norm)
            if similar >= CANDIDATE_AT:
                shared = sorted(c.decisions & row_decisions)[0]
                return Match("matched", [c], max(95, similar),
                             f"decision {shared} and a similar name ({similar:.0f})")
        query = normalise(row.name)
        if not query:
            return Match("unmatched", reason="the row has no name")
        place = self.places.get(row.key, set())
        scored = []
        for _, score, i in process.extract(query, self.norms, scorer=name_score, limit=5):
            c = self.features[i]
            bonus = PLACE_BONUS if (c.layer, c.id) in place else 0
            scored.append((c, min(100.0, score + bonus), bonus))
        scored.sort(key=lambda t: -t[1])
        scored = _parts_or_parents(scored, row.key)
        if not scored or scored[0][1] < CANDIDATE_AT:
            best = f" (best {scored[0][0].id}: {scored[0][1]:.0f})" if scored else ""
            return Match("unmatched", reason=f"no feature with a similar name{best}")
        top, score, bonus = scored[0]
        runner = scored[1][1] if len(scored) > 1 else 0
        reason = f"name similarity {score:.0f}" + (" incl. same row place" if bonus else "")
        needed = PLACE_MATCH_AT if bonus else MATCH_AT
        if score >= needed and score - runner >= MARGIN:
            return Match("matched", [top], score, reason)
        return Match("ambiguous", [], score, reason + (f", next {runner:.0f}" if runner else ""),
                     [(c, s) for c, s, _ in scored if s >= CANDIDATE_AT])


def _parts_or_parents(scored: list, key: str) -> list:
    """A project and its parts share their words ("Trung tâm A và Trung tâm B" and its
    part "Trung tâm B"): a sub-row ("19.2") is a part, so a candidate that is the parent
    of another candidate gives way; a whole row ("19") keeps the parent."""
    ids = {(c.layer, c.id) for c, _, _ in scored}
    sub_row = "." in key.rpartition("/")[2]
    parents = {(c.layer, c.props.get(PARENT)) for c, _, _ in scored if c.props.get(PARENT)}
    if sub_row:
        return [t for t in scored if (t[0].layer, t[0].id) not in parents]
    return [t for t in scored if (t[0].layer, t[0].props.get(PARENT)) not in ids]

