"""The extraction pipeline: sentences → periods, places, triggers, people → proposals.

Three passes over the sentences, in order, because each reads what the earlier sentences
established: the year last named (a bare "September"), the last count ("Among them were
11 children" takes its event and period), and the people already named (a later "She
was sent back" belongs to them).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import date

from refwatch.gazetteer import Gazetteer, load_gazetteer
from refwatch.intake.extract import claims as claim_rules
from refwatch.intake.extract.lexicon import (
    STATUS_OF_EVENT,
    Trigger,
    find_triggers,
    flags_in,
    sex_in,
    strongest,
)
from refwatch.intake.extract.model import MAX_NUMBER, Claim, Extraction, Mention, Observation
from refwatch.intake.extract.numbers import find_numbers
from refwatch.intake.extract.observations import find_observations, period_for
from refwatch.intake.extract.people import Anchor, age_after, age_before, anchors, unnamed
from refwatch.intake.extract.periods import DateContext, Period, find_periods
from refwatch.intake.extract.places import FoundPlace, most_specific, place_finder
from refwatch.intake.extract.text import Span, check_size, clean, is_hangul, language, sentences

_CLAUSE_EN = re.compile(
    r"[;,]\s*|\s+(?:and|but|while|whereas)\s+(?=(?:at\s+least\s+|more\s+than\s+|about\s+|some\s+"
    r"|up\s+to\s+|around\s+|over\s+)?(?:\d|(?:one|two|three|four|five|six|seven|eight|nine|ten"
    r"|eleven|twelve|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)\b))"
    r"|,?\s+but\s+",
    re.IGNORECASE,
)
_CLAUSE_KO = re.compile(r",\s*|(?<=[었았였됐혔났했])고\s+|지만\s*|(?:으며|이며)\s+")
_AUXILIARY = re.compile(r"\b(?:were|was|have|has|had|are|is|been|be|being)\b", re.I)
_ADNOMINAL_ENDINGS = ("된", "힌", "한", "던", "는", "진", "난", "당한")
_PRONOUN_F = re.compile(r"\b(?:she|her|herself)\b|그녀", re.I)
_PRONOUN_M = re.compile(r"\b(?:he|him|his|himself)\b", re.I)
_PRONOUN_WE = re.compile(r"\b(?:we|us|our)\b|우리(?:는|가)", re.I)
_KIN_EN = re.compile(
    r"\b(mother|father|sister|brother|daughter|son|wife|husband|niece|nephew|cousin|aunt|uncle"
    r"|grandmother|grandfather|mum|mom|dad)\b",
    re.I,
)
_KIN_KO = re.compile(
    r"(할머니|할아버지|어머니|아버지|엄마|아빠|여동생|남동생|동생|언니|누나|오빠|형|딸|아들|남편|아내|부인"
    r"|조카|사촌|삼촌|이모|고모)"
)


@dataclass(slots=True)
class _Sentence:
    span: Span
    clauses: list[tuple[int, int]]
    periods: list[Period]
    places: list[FoundPlace]
    triggers: list[Trigger]
    anchors: list[Anchor] = field(default_factory=list)
    counts: list[claim_rules.Count] = field(default_factory=list)
    consumed: list[tuple[int, int]] = field(default_factory=list)
    backref: bool = False


@dataclass(slots=True)
class _Antecedent:
    """What the last count established, for "Among them …" to take over."""

    event: str | None = None
    status: str | None = None
    period: Period | None = None
    place: str | None = None
    sex: str | None = None
    sentence: int = -10


@dataclass(slots=True)
class _Person:
    anchor: Anchor
    sentence: int
    segment: tuple[int, int]
    pre: tuple[int, int]
    kin: str | None
    units: list[tuple[int, int]] = field(default_factory=list)
    pronoun_sex: str | None = None
    inherited: _Antecedent | None = None


def run(text: str, *, gazetteer: Gazetteer | None, reference_date: date | None) -> Extraction:
    check_size(text)
    gaz = gazetteer or load_gazetteer()
    finder = place_finder(gaz)
    work = clean(text)
    context = DateContext(reference_date)
    korean = any(is_hangul(ch) for ch in work)
    parsed: list[_Sentence] = []
    for span in sentences(work):
        parsed.append(
            _Sentence(
                span=span,
                clauses=_clauses(work, span),
                periods=find_periods(work, span.start, span.end, context),
                places=finder.find(work, span.start, span.end),
                triggers=find_triggers(work, span.start, span.end),
                backref=claim_rules.BACKREF.match(work[span.start : span.end]) is not None,
            )
        )
    for sentence in parsed:
        _find_people(work, sentence, korean=korean)
    found_claims, antecedents = _claims(work, parsed)
    found_mentions = _mentions(work, parsed, antecedents)
    found_observations = _observations(work, parsed)
    return Extraction(
        claims=tuple(found_claims),
        mentions=tuple(found_mentions),
        observations=tuple(found_observations),
        language=language(work),
    )


def _clauses(text: str, span: Span) -> list[tuple[int, int]]:
    pattern = _CLAUSE_KO if any(is_hangul(ch) for ch in text[span.start : span.end]) else _CLAUSE_EN
    out: list[tuple[int, int]] = []
    begin = span.start
    for match in pattern.finditer(text, span.start, span.end):
        if match.start() > begin:
            out.append((begin, match.start()))
        begin = match.end()
    if begin < span.end:
        out.append((begin, span.end))
    return out or [(span.start, span.end)]


def _clause_of(sentence: _Sentence, position: int) -> tuple[int, int]:
    for clause in sentence.clauses:
        if clause[0] <= position < clause[1]:
            return clause
    return (sentence.span.start, sentence.span.end)


def _find_people(text: str, sentence: _Sentence, *, korean: bool) -> None:
    start, end = sentence.span.start, sentence.span.end
    named = anchors(
        text, start, end, korean=korean and any(is_hangul(ch) for ch in text[start:end])
    )
    for i, anchor in enumerate(named):
        limit = named[i + 1].start if i + 1 < len(named) else end
        anchor.age = age_after(text, anchor.end, min(limit, anchor.end + 45))
        if anchor.age is None:
            floor = named[i - 1].end if i > 0 else start
            anchor.age = age_before(text, max(floor, anchor.start - 12), anchor.start)
    # A word inside a place's name (화룡 구류장) is no one's name.
    named = [
        a for a in named if not any(p.start < a.end and a.start < p.end for p in sentence.places)
    ]
    people = list(named)
    for candidate in unnamed(text, start, end):
        overlaps = any(a.start < candidate.end and candidate.start < a.end for a in named)
        age_taken = any(
            a.age is not None and a.age.start == candidate.age.start for a in named if candidate.age
        )
        if not overlaps and not age_taken:
            people.append(candidate)
    people.sort(key=lambda a: a.start)
    sentence.anchors = people
    for anchor in people:
        if anchor.age is not None:
            sentence.consumed.append((anchor.age.start, anchor.age.end))


def _claims(text: str, parsed: list[_Sentence]) -> tuple[list[Claim], list[_Antecedent]]:
    """Every sentence's counts read as claims, and per sentence what the last count
    established (for a later "Among them …" to take over)."""
    out: list[Claim] = []
    antecedent = _Antecedent()
    per_sentence: list[_Antecedent] = []
    for index, sentence in enumerate(parsed):
        built = _counts(text, sentence)
        sentence.counts = built
        bound_ids = _bind(text, sentence, built)
        previous_antecedent = antecedent if index - antecedent.sentence <= 2 else _Antecedent()
        sentence_claims: list[Claim] = []
        for count in built:
            source = previous_antecedent
            if count.partitive and sentence_claims:
                last = sentence_claims[-1]
                source = _Antecedent(
                    last.event, last.status, _period_of(last, sentence), last.place, last.sex, index
                )
            read = _read_count(text, sentence, index, count, bound_ids, source)
            if read is None:
                continue
            antecedent, claim = read
            if claim is None:
                continue
            sentence.consumed.append(count.window)
            sentence_claims.append(claim)
        out.extend(sentence_claims)
        per_sentence.append(previous_antecedent if not built else antecedent)
    return out, per_sentence


def _counts(text: str, sentence: _Sentence) -> list[claim_rules.Count]:
    """The sentence's numbers that count people (none inside a date or an earlier claim's
    window), each with its qualifier, its window between its neighbours, and whether it is
    partitive ("of them")."""
    start, end = sentence.span.start, sentence.span.end
    in_period = [(p.start, p.end) for p in sentence.periods]
    numbers = [
        n
        for n in find_numbers(text[start:end])
        if not any(a <= start + n.start < b for a, b in in_period + sentence.consumed)
    ]
    numbers = [type(n)(n.value, start + n.start, start + n.end, n.kind) for n in numbers]
    counts = [n for n in numbers if claim_rules.is_count(text, n, start, end)]
    built: list[claim_rules.Count] = []
    for i, number in enumerate(counts):
        clause = _clause_of(sentence, number.start)
        value, qualifier = claim_rules.qualify(text, number, clause[0], clause[1])
        previous_end = counts[i - 1].end if i > 0 else start
        next_start = counts[i + 1].start if i + 1 < len(counts) else end
        built.append(
            claim_rules.Count(
                number=number,
                value=value,
                qualifier=qualifier,
                window=claim_rules.window(text, number, previous_end, next_start, clause),
                partitive=claim_rules.is_partitive(text, number),
            )
        )
    return built


def _read_count(
    text: str,
    sentence: _Sentence,
    index: int,
    count: claim_rules.Count,
    bound_ids: set[int],
    source: _Antecedent,
) -> tuple[_Antecedent, Claim | None] | None:
    """One count read as a claim: its event or state (taken over from `source` when the
    sentence refers back), period, place, flags and sex. None for a number too large to
    be a count; (what it established, None) for a count with no event or state."""
    start, end = sentence.span.start, sentence.span.end
    clause = _clause_of(sentence, count.number.start)
    predicates = [
        t for t in sentence.triggers if id(t) not in bound_ids and clause[0] <= t.start < clause[1]
    ]
    event, state = claim_rules.event_of(count, predicates)
    refers_back = sentence.backref or count.partitive
    if event is None and not state:
        if refers_back:
            event = source.event
            state = source.status == "detained" and source.event is None
        else:
            unbound = [t for t in sentence.triggers if id(t) not in bound_ids]
            best = strongest(unbound)
            event = best.event if best else None
            state = any(t.event is None for t in unbound) and not sentence.counts[1:]
    period = claim_rules.nearest(
        [p for p in sentence.periods if clause[0] <= p.start < clause[1]],
        count.number.start,
        count.number.end,
    ) or claim_rules.nearest(sentence.periods, count.number.start, count.number.end)
    place_found = most_specific([p for p in sentence.places if not p.origin])
    place = place_found.place.id if place_found else None
    flags = flags_in(text, *count.window)
    sex = claim_rules.claim_sex(text, *count.window)
    if "pregnant" in flags:
        sex = sex or "F"
    if refers_back:
        period = period or source.period
        place = place or source.place
        sex = sex or source.sex
    if count.value > MAX_NUMBER:
        return None
    established = _Antecedent(event, "detained" if state else None, period, place, sex, index)
    if event is None and not state:
        return established, None
    return established, Claim(
        number=count.value,
        qualifier=count.qualifier,
        event=event,
        status="detained" if state else None,
        flags=tuple(flags),
        sex=sex,
        place=place,
        date_from=period.date_from if period else None,
        date_to=period.date_to if period else None,
        text=text[start:end],
        start=start,
        end=end,
    )


def _period_of(claim: Claim, sentence: _Sentence) -> Period | None:
    for period in sentence.periods:
        if period.date_from == claim.date_from and period.date_to == claim.date_to:
            return period
    if claim.date_from is None and claim.date_to is None:
        return None
    return Period(claim.date_from, claim.date_to, 0, 0)


def _bind(text: str, sentence: _Sentence, counts: list[claim_rules.Count]) -> set[int]:
    """Attach triggers that modify one count's noun: "the 60 people detained",
    "붙잡힌 탈북민 12명". Returns the ids of the triggers so attached."""
    bound: set[int] = set()
    for trigger in sentence.triggers:
        word_end = trigger.end
        while word_end < sentence.span.end and not text[word_end].isspace():
            word_end += 1
        word = text[trigger.start : word_end].rstrip(".,")
        if is_hangul(text[trigger.start]):
            if not word.endswith(_ADNOMINAL_ENDINGS):
                continue
            after = [c for c in counts if trigger.end <= c.number.start <= trigger.end + 16]
            if after:
                after[0].bound.append(trigger)
                bound.add(id(trigger))
            continue
        before = [
            c
            for c in counts
            if c.number.end <= trigger.start <= c.number.end + 40
            and not _AUXILIARY.search(text, c.number.end, trigger.start)
            and "," not in text[c.number.end : trigger.start]
        ]
        if before:
            before[-1].bound.append(trigger)
            bound.add(id(trigger))
    return bound


def _mentions(text: str, parsed: list[_Sentence], antecedents: list[_Antecedent]) -> list[Mention]:
    people: list[_Person] = []
    for index, sentence in enumerate(parsed):
        start, end = sentence.span.start, sentence.span.end
        new: list[_Person] = []
        for i, anchor in enumerate(sentence.anchors):
            existing = _same_person(people, anchor)
            if existing is not None:
                existing.units.append((start, end))
                continue
            segment_end = sentence.anchors[i + 1].start if i + 1 < len(sentence.anchors) else end
            pre_start = sentence.anchors[i - 1].end if i > 0 else start
            pre = (max(pre_start, anchor.start - 25), anchor.start)
            kin = _kin(text, pre, anchor)
            person = _Person(anchor, index, (anchor.start, segment_end), pre, kin, [(start, end)])
            if sentence.backref and index > 0:
                person.inherited = antecedents[index - 1]
            new.append(person)
        if new or any(_same_person(people, a) for a in sentence.anchors):
            people.extend(new)
            continue
        if sentence.counts and any(
            c.bound or True for c in sentence.counts if _has_claim(sentence, c)
        ):
            continue
        _continue(text, sentence, index, people)
    out: list[Mention] = []
    for person in people:
        mention = _mention(text, parsed, person)
        if mention is not None:
            out.append(mention)
    return out


def _has_claim(sentence: _Sentence, count: claim_rules.Count) -> bool:
    return count.window in sentence.consumed


def _same_person(people: list[_Person], anchor: Anchor) -> _Person | None:
    names = set(anchor.names_hangul) | {n.casefold() for n in anchor.names_latin}
    if not names:
        return None
    for person in people:
        known = set(person.anchor.names_hangul) | {n.casefold() for n in person.anchor.names_latin}
        if names & known:
            return person
    return None


def _kin(text: str, pre: tuple[int, int], anchor: Anchor) -> str | None:
    piece = text[pre[0] : pre[1]]
    found = list(_KIN_EN.finditer(piece)) + list(_KIN_KO.finditer(piece))
    if anchor.noun:
        return anchor.noun
    if not found:
        return None
    return max(found, key=lambda m: m.start()).group(1).casefold()


def _referents(text: str, begin: int, end: int, people: list[_Person]) -> list[_Person]:
    """The people a clause refers to: by name, family name, kinship word or pronoun."""
    piece = text[begin:end]
    found: list[_Person] = []
    for person in people:
        words = [*person.anchor.names_hangul]
        words.extend(
            f"{name[0]}{title}"
            for name in person.anchor.names_hangul
            for title in ("씨", " 씨", "님")
        )
        for name in person.anchor.names_latin:
            words.append(name)
            words.append(name.split()[0])
        if person.kin:
            words.append(person.kin)
        for word in words:
            if re.search(rf"(?<![\w가-힣]){re.escape(word)}(?![a-z])", piece, re.IGNORECASE):
                found.append(person)
                break
    if found:
        return found
    named = [p for p in people if p.anchor.names_hangul or p.anchor.names_latin]
    if not named:
        return []
    if _PRONOUN_F.search(piece):
        candidates = [p for p in named if _sex_of(text, p) in ("F", None)]
        return candidates[-1:]
    if _PRONOUN_M.search(piece):
        candidates = [p for p in named if _sex_of(text, p) in ("M", None)]
        return candidates[-1:]
    if _PRONOUN_WE.search(piece):
        return named[-1:]
    return []


def _continue(text: str, sentence: _Sentence, index: int, people: list[_Person]) -> None:
    """Give a sentence that names no one to the people it refers to, clause by clause;
    a sentence with no referent but an event goes to the last person named just before."""
    recent = [p for p in people if index - max(_last_sentence(p, index), p.sentence) <= 2]
    if not recent:
        return
    assigned = False
    current: list[_Person] = []
    for clause in sentence.clauses:
        referents = _referents(text, clause[0], clause[1], recent)
        if referents:
            current = referents
        for person in current:
            person.units.append(clause)
            if _PRONOUN_F.search(text, clause[0], clause[1]) and len(current) == 1:
                person.pronoun_sex = person.pronoun_sex or "F"
            elif _PRONOUN_M.search(text, clause[0], clause[1]) and len(current) == 1:
                person.pronoun_sex = person.pronoun_sex or "M"
            assigned = True
    if not assigned and sentence.triggers:
        named = [p for p in recent if p.anchor.names_hangul or p.anchor.names_latin]
        if named:
            named[-1].units.append((sentence.span.start, sentence.span.end))


def _last_sentence(person: _Person, index: int) -> int:
    return person.sentence


def _sex_of(text: str, person: _Person) -> str | None:
    pre = sex_in(text, *person.pre)
    if person.kin:
        kin_sex = sex_in(person.kin, 0, len(person.kin))
        if kin_sex:
            return kin_sex
    own = sex_in(text, person.anchor.end, min(person.segment[1], person.anchor.end + 30))
    return own or pre or person.pronoun_sex


def _mention(text: str, parsed: list[_Sentence], person: _Person) -> Mention | None:
    """One person's mention: the event and status of their clauses, where and when, age,
    sex and flags; None for a named person of whom nothing is said."""
    anchor = person.anchor
    units = person.units
    starts = [sentence.span.start for sentence in parsed]
    holders = [parsed[max(0, bisect.bisect_right(starts, unit[0]) - 1)] for unit in units]
    triggers: list[Trigger] = []
    for unit, sentence in zip(units, holders, strict=True):
        triggers.extend(t for t in sentence.triggers if unit[0] <= t.start < unit[1])
    best = strongest(triggers)
    event = best.event if best else None
    states = [t for t in triggers if t.event is None]
    status: str | None
    # A state after a return or a release is about the other side (held in the DPRK after
    # a return); it does not make the person detained in China again.
    if states and (best is None or best.event in ("apprehension", "detention")):
        status = "detained"
    else:
        status = STATUS_OF_EVENT.get(event or "")
    key = best or (states[-1] if states else None)
    place, origin, period = _where_when(text, person, holders, key)
    if person.inherited is not None and event is None and status is None:
        source = person.inherited
        event = source.event
        status = source.status or STATUS_OF_EVENT.get(event or "")
        period = period or source.period
        place = place or source.place
    elif person.inherited is not None:
        period = period or person.inherited.period
        place = place or person.inherited.place
    age = _age_of(text, person)
    sex = _sex_of(text, person)
    flags = _mention_flags(text, person, holders, age)
    if "pregnant" in flags:
        sex = sex or "F"
    named = bool(anchor.names_hangul or anchor.names_latin)
    if named and event is None and status is None and not flags:
        return None
    first = parsed[person.sentence].span
    return Mention(
        names_hangul=tuple(anchor.names_hangul),
        names_latin=tuple(anchor.names_latin),
        sex=sex,
        age=age,
        origin=origin,
        date_from=period.date_from if period else None,
        date_to=period.date_to if period else None,
        place=place,
        status=status,
        flags=tuple(flags),
        text=text[first.start : first.end],
        start=first.start,
        end=first.end,
        event=event,
    )


def _where_when(
    text: str, person: _Person, holders: list[_Sentence], key: Trigger | None
) -> tuple[str | None, str | None, Period | None]:
    """(place, origin, period) of a person's clauses: the most specific place (on a tie,
    the one in the key trigger's clause), an origin in the person's own words, and the
    key event's date."""
    units = person.units
    places: list[tuple[FoundPlace, tuple[int, int]]] = []
    periods: list[tuple[Period, tuple[int, int]]] = []
    for unit, sentence in zip(units, holders, strict=True):
        places.extend((p, unit) for p in sentence.places if unit[0] <= p.start < unit[1])
        periods.extend((p, unit) for p in sentence.periods if unit[0] <= p.start < unit[1])
    key_unit = next((u for u in units if key and u[0] <= key.start < u[1]), None)
    non_origin = [p for p, _ in places if not p.origin]
    place = None
    chosen = most_specific(non_origin)
    if chosen is not None:
        ties = [p for p in non_origin if p.specificity == chosen.specificity]
        in_key = [p for p in ties if key_unit and key_unit[0] <= p.start < key_unit[1]]
        place = (in_key or ties)[0].place.id
    origin_found = [
        p
        for p, unit in places
        if p.origin and (unit != units[0] or person.segment[0] <= p.start < person.segment[1])
    ]
    origin = origin_found[0].place.id if origin_found else None
    period = None
    if key is not None and key_unit is not None:
        candidates = [p for p, u in periods if u == key_unit]
        period = _event_period(text, candidates, key)
    return place, origin, period


def _age_of(text: str, person: _Person) -> int | None:
    """The age given with the name, else the first one said in a later clause."""
    if person.anchor.age:
        return person.anchor.age.value
    for unit in person.units[1:]:
        found_age = age_after(text, unit[0], unit[1])
        if found_age is not None:
            return found_age.value
    return None


def _mention_flags(
    text: str, person: _Person, holders: list[_Sentence], age: int | None
) -> list[str]:
    """Flags in the person's own words (none taken from a claim's window) and noun, then
    set by age: under 18 a child, 60 or over older."""
    anchor = person.anchor
    flags: list[str] = []
    own_pieces = [person.pre, (anchor.start, person.segment[1]), *person.units[1:]]
    consumed = [w for sentence in {id(h): h for h in holders}.values() for w in sentence.consumed]
    for begin, stop in own_pieces:
        for flag in _flags_outside(text, begin, stop, consumed):
            if flag not in flags:
                flags.append(flag)
    if anchor.noun:
        for flag in flags_in(anchor.noun, 0, len(anchor.noun)):
            if flag not in flags:
                flags.append(flag)
    if age is not None:
        if age < 18 and "child" not in flags:
            flags.append("child")
        if age >= 18 and "child" in flags:
            flags.remove("child")
        if age >= 60 and "older" not in flags:
            flags.append("older")
    return flags


def _event_period(text: str, periods: list[Period], trigger: Trigger) -> Period | None:
    """The date of an event. English puts it after the verb ("was returned … in May
    2018") unless the sentence opens with it; Korean before the verb (11월에 송환)."""
    if not is_hangul(text[trigger.start]):
        after = [p for p in periods if p.start >= trigger.end]
        if after:
            return after[0]
    before = [p for p in periods if p.end <= trigger.start]
    if before:
        return before[-1]
    return claim_rules.nearest(periods, trigger.start, trigger.end)


def _flags_outside(text: str, begin: int, stop: int, consumed: list[tuple[int, int]]) -> list[str]:
    """Flag words in text[begin:stop] that are not about a counted group."""
    pieces: list[tuple[int, int]] = [(begin, stop)]
    for a, b in (span for span in consumed if span[0] < stop and begin < span[1]):
        next_pieces: list[tuple[int, int]] = []
        for x, y in pieces:
            if b <= x or a >= y:
                next_pieces.append((x, y))
                continue
            if x < a:
                next_pieces.append((x, a))
            if b < y:
                next_pieces.append((b, y))
        pieces = next_pieces
    out: list[str] = []
    for x, y in pieces:
        for flag in flags_in(text, x, y):
            if flag not in out:
                out.append(flag)
    return out


def _observations(text: str, parsed: list[_Sentence]) -> list[Observation]:
    out: list[Observation] = []
    for sentence in parsed:
        start, end = sentence.span.start, sentence.span.end
        for found in find_observations(text, start, end):
            clause = _clause_of(sentence, found.start)
            period = period_for(
                [p for p in sentence.periods if clause[0] <= p.start < clause[1]], found
            )
            out.append(
                Observation(
                    kind=found.kind,
                    value=found.value,
                    unit=found.unit,
                    date_from=period.date_from if period else None,
                    date_to=period.date_to if period else None,
                    text=text[start:end],
                    start=start,
                    end=end,
                )
            )
    return out
