"""Original diagrams of the six infant states and the cue types, drawn for this project as SVG,
each with a text alternative (the SVG's title and description, and a list readers can open).

Built in code rather than uploaded so that lessons and the printable handouts draw the same
picture, sharp at any size and in print, with the words in the text alternative kept beside the
drawing they describe.
"""

from dataclasses import dataclass
from html import escape

INK = "#1b2a33"
TEAL = "#1f6f78"
AMBER = "#f2b134"
SKIN = "#f6d7b8"
PALE = "#eef5f6"


@dataclass(frozen=True)
class Diagram:
    key: str
    title: str
    description: str  # one sentence: what the picture shows
    items: tuple[tuple[str, str], ...]  # (label, what it means): the full text alternative

    def svg(self, id_prefix: str = "diagram") -> str:
        return DRAWINGS[self.key](self, id_prefix)


def _face(cx: float, cy: float, *, eyes: str, mouth: str, marks: str = "") -> str:
    """A baby's face: ``eyes`` closed / half / open / wide / squeezed; ``mouth`` rest / smile /
    open / cry; ``marks`` zz / wiggle / tears / turn."""
    parts = [
        f'<circle cx="{cx}" cy="{cy}" r="34" fill="{SKIN}" stroke="{INK}" stroke-width="2.5"/>',
        f'<path d="M{cx - 14} {cy - 30} q14 -12 28 0" fill="none" stroke="{INK}" '
        'stroke-width="2.5" stroke-linecap="round"/>',
    ]
    for ex in (cx - 12, cx + 12):
        if eyes == "closed":
            parts.append(
                f'<path d="M{ex - 7} {cy - 4} q7 6 14 0" fill="none" stroke="{INK}" '
                'stroke-width="2.5" stroke-linecap="round"/>'
            )
        elif eyes == "half":
            parts.append(
                f'<path d="M{ex - 7} {cy - 5} h14" stroke="{INK}" stroke-width="2.5" '
                'stroke-linecap="round"/>'
                f'<path d="M{ex - 6} {cy - 5} q6 6 12 0" fill="{INK}"/>'
            )
        elif eyes == "squeezed":
            parts.append(
                f'<path d="M{ex - 7} {cy - 8} l14 4 M{ex - 7} {cy} l14 -4" stroke="{INK}" '
                'stroke-width="2.5" stroke-linecap="round"/>'
            )
        else:
            r = 6 if eyes == "wide" else 4.5
            parts.append(f'<circle cx="{ex}" cy="{cy - 4}" r="{r}" fill="{INK}"/>')
            parts.append(f'<circle cx="{ex + 1.5}" cy="{cy - 6}" r="1.6" fill="#fff"/>')
    if mouth == "smile":
        parts.append(
            f'<path d="M{cx - 10} {cy + 12} q10 10 20 0" fill="none" stroke="{INK}" '
            'stroke-width="2.5" stroke-linecap="round"/>'
        )
    elif mouth == "open":
        parts.append(f'<ellipse cx="{cx}" cy="{cy + 15}" rx="5" ry="4" fill="{INK}"/>')
    elif mouth == "cry":
        parts.append(f'<ellipse cx="{cx}" cy="{cy + 16}" rx="10" ry="8" fill="{INK}"/>')
    else:
        parts.append(
            f'<path d="M{cx - 6} {cy + 14} h12" stroke="{INK}" stroke-width="2.5" '
            'stroke-linecap="round"/>'
        )
    if marks == "zz":
        parts.append(
            f'<text x="{cx + 28}" y="{cy - 28}" font-size="16" font-weight="700" '
            f'fill="{TEAL}">z z</text>'
        )
    elif marks == "wiggle":
        for dx in (-46, 40):
            parts.append(
                f'<path d="M{cx + dx} {cy - 14} q6 7 0 14 q-6 7 0 14" fill="none" '
                f'stroke="{TEAL}" stroke-width="2.5" stroke-linecap="round"/>'
            )
    elif marks == "tears":
        for dx in (-20, 20):
            parts.append(f'<path d="M{cx + dx} {cy + 2} q-4 9 0 12 q4 -3 0 -12" fill="#7cc3e6"/>')
    elif marks == "turn":
        parts.append(
            f'<path d="M{cx + 40} {cy} h18 m-7 -7 l7 7 l-7 7" fill="none" stroke="{TEAL}" '
            'stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round"/>'
        )
    return "".join(parts)


def _frame(diagram: Diagram, id_prefix: str, width: int, height: int, body: str) -> str:
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    return (
        f'<svg class="diagram__svg" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{title_id} {desc_id}" '
        f'font-family="DejaVu Sans, Arial, sans-serif">'
        f'<title id="{title_id}">{escape(diagram.title)}</title>'
        f'<desc id="{desc_id}">{escape(diagram.description)}</desc>'
        f'<rect width="{width}" height="{height}" rx="12" fill="{PALE}"/>{body}</svg>'
    )


STATE_FACES = (
    {"eyes": "closed", "mouth": "rest", "marks": "zz"},
    {"eyes": "closed", "mouth": "open", "marks": "wiggle"},
    {"eyes": "half", "mouth": "rest"},
    {"eyes": "wide", "mouth": "rest"},
    {"eyes": "open", "mouth": "open", "marks": "wiggle"},
    {"eyes": "squeezed", "mouth": "cry", "marks": "tears"},
)


def _states(diagram: Diagram, id_prefix: str) -> str:
    body = [
        f'<path d="M40 222 H920" stroke="{TEAL}" stroke-width="4"/>'
        f'<path d="M904 212 l16 10 l-16 10" fill="{TEAL}"/>',
        f'<text x="40" y="250" font-size="15" fill="{INK}">Sleepier, calmer</text>',
        f'<text x="920" y="250" font-size="15" fill="{INK}" text-anchor="end">'
        "More awake, more aroused</text>",
    ]
    for i, ((label, _), face) in enumerate(zip(diagram.items, STATE_FACES, strict=True)):
        cx = 90 + i * 156
        highlight = f' stroke="{AMBER}" stroke-width="4"' if i == 3 else ' stroke="none"'
        body.append(
            f'<rect x="{cx - 70}" y="20" width="140" height="180" rx="10" fill="#fff"{highlight}/>'
        )
        body.append(_face(cx, 90, **face))
        body.append(
            f'<text x="{cx}" y="165" font-size="15" font-weight="700" fill="{INK}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
        body.append(f'<circle cx="{cx}" cy="222" r="7" fill="{AMBER if i == 3 else TEAL}"/>')
    return _frame(diagram, id_prefix, 960, 270, "".join(body))


CUE_FACES = (
    {"eyes": "wide", "mouth": "smile"},
    {"eyes": "half", "mouth": "rest", "marks": "turn"},
    {"eyes": "squeezed", "mouth": "cry", "marks": "tears"},
)
CUE_KINDS = ("Engagement cues", "Subtle disengagement cues", "Potent disengagement cues")
CUE_EXAMPLES = (
    ("looks at your face", "brightens, smiles", "reaches towards you"),
    ("looks away, yawns", "hand to ear or face", "frowns, breathes faster"),
    ("turns or arches away", "pushes away", "cries"),
)


def _cues(diagram: Diagram, id_prefix: str) -> str:
    body = []
    for i, ((label, _), face, examples) in enumerate(
        zip(diagram.items, CUE_FACES, CUE_EXAMPLES, strict=True)
    ):
        x = 20 + i * 310
        colour = TEAL if i == 0 else AMBER
        body.append(
            f'<rect x="{x}" y="20" width="290" height="300" rx="10" fill="#fff" '
            f'stroke="{colour}" stroke-width="4"/>'
        )
        body.append(_face(x + 145, 90, **face))
        body.append(
            f'<text x="{x + 145}" y="165" font-size="17" font-weight="700" fill="{INK}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
        body.append(
            f'<text x="{x + 145}" y="300" font-size="14" font-style="italic" fill="{INK}" '
            f'text-anchor="middle">{CUE_KINDS[i]}</text>'
        )
        for j, example in enumerate(examples):
            body.append(
                f'<text x="{x + 145}" y="{200 + j * 28}" font-size="15" fill="{INK}" '
                f'text-anchor="middle">{escape(example)}</text>'
            )
    return _frame(diagram, id_prefix, 950, 340, "".join(body))


COMFORT_STEPS = (
    ("Check", ("hungry? wind?", "nappy? too hot", "or too cold?", "unwell?")),
    ("Comfort", ("hold them close,", "skin to skin,", "rock, shush, sing,", "go for a walk")),
    (
        "Still crying?",
        ("it is not your", "fault: crying often", "peaks at 6-8 weeks", "and then eases"),
    ),
    (
        "Take a break",
        ("baby on their back", "in the cot, step", "away for a few", "minutes, ask for help"),
    ),
)


def _comfort(diagram: Diagram, id_prefix: str) -> str:
    """Four steps in a row, joined by arrows, with a reminder beneath: never shake a baby."""
    body = []
    for i, (heading, lines) in enumerate(COMFORT_STEPS):
        x = 20 + i * 235
        colour = AMBER if i == 3 else TEAL
        body.append(
            f'<rect x="{x}" y="20" width="210" height="220" rx="10" fill="#fff" '
            f'stroke="{colour}" stroke-width="4"/>'
            f'<circle cx="{x + 105}" cy="58" r="22" fill="{colour}"/>'
            f'<text x="{x + 105}" y="66" font-size="22" font-weight="700" '
            f'fill="{INK if i == 3 else "#fff"}" '
            f'text-anchor="middle">{i + 1}</text>'
            f'<text x="{x + 105}" y="115" font-size="19" font-weight="700" fill="{INK}" '
            f'text-anchor="middle">{escape(heading)}</text>'
        )
        for j, line in enumerate(lines):
            body.append(
                f'<text x="{x + 105}" y="{148 + j * 24}" font-size="14" fill="{INK}" '
                f'text-anchor="middle">{escape(line)}</text>'
            )
        if i < len(COMFORT_STEPS) - 1:
            body.append(
                f'<path d="M{x + 212} 130 h19" stroke="{INK}" stroke-width="3"/>'
                f'<path d="M{x + 226} 123 l8 7 l-8 7" fill="{INK}"/>'
            )
    body.append(
        f'<rect x="20" y="256" width="915" height="44" rx="10" fill="{AMBER}"/>'
        f'<text x="477" y="285" font-size="18" font-weight="700" fill="{INK}" '
        'text-anchor="middle">Never shake a baby. If the crying sounds different, get advice.'
        "</text>"
    )
    return _frame(diagram, id_prefix, 955, 316, "".join(body))


DIAGRAMS = {
    "infant_states": Diagram(
        key="infant_states",
        title="The six states of a young baby",
        description="Six baby faces in a row, from deep sleep on the left to crying on the "
        "right, along an arrow from sleepier and calmer to more awake and aroused; quiet alert, "
        "the best state for play, is highlighted.",
        items=(
            ("Deep sleep", "Still, breathing slow and regular, hard to wake. Let them sleep."),
            (
                "Light sleep",
                "Eyes move under the lids, twitches and little sounds, uneven breathing. Often "
                "mistaken for waking: wait and watch before picking up.",
            ),
            (
                "Drowsy",
                "Eyes open and close, heavy and glazed. Between sleep and waking: quiet helps "
                "sleep, a gentle face and voice may help waking.",
            ),
            (
                "Quiet alert",
                "Still body, bright wide eyes, watching you. The best time to talk and play.",
            ),
            (
                "Active alert",
                "Busy arms and legs, fussing, easily overloaded. Calm things down: less noise, "
                "less handling.",
            ),
            ("Crying", "Telling you about a need. Comfort them; crying is communication."),
        ),
    ),
    "cue_types": Diagram(
        key="cue_types",
        title="Baby cues: engagement and disengagement",
        description="Three panels: engagement cues, when a baby is ready to be with you; subtle "
        "disengagement cues, when they need a short break; and potent disengagement cues, when "
        "they need you to stop and help them calm.",
        items=(
            (
                "Ready to be with you",
                "Engagement cues: looking at your face, brightening, smiling, smooth "
                "movements, reaching towards you. Keep going: talk, smile, play.",
            ),
            (
                "I need a little break",
                "Subtle disengagement cues: looking away, yawning, hand to ear or face, "
                "frowning, faster breathing. Pause and let them rest before trying again.",
            ),
            (
                "Please stop, help me calm",
                "Potent disengagement cues: turning or arching away, pushing away, crying. "
                "Stop, soothe them and give them time.",
            ),
        ),
    ),
}

DIAGRAMS["comfort_plan"] = Diagram(
    key="comfort_plan",
    title="When your baby cries: a plan for every carer",
    description="Four steps joined by arrows: check what the baby might need, comfort them, "
    "remember that crying is not your fault, and if it gets too much put the baby down safely "
    "and take a break; beneath them, never shake a baby.",
    items=(
        (
            "1. Check",
            "Are they hungry, windy, in need of a nappy change, too hot or too cold? Do they seem "
            "unwell? If the cry sounds different or they seem ill, get medical advice.",
        ),
        (
            "2. Comfort",
            "Hold them close or skin to skin, rock or sway, shush or sing, go for a walk or move "
            "to a quieter room. Try one thing at a time and give it a few minutes.",
        ),
        (
            "3. Still crying?",
            "Some babies cry a lot whatever you do. It is not your fault. Crying often increases "
            "from about two weeks, peaks at six to eight weeks and eases by three to four months.",
        ),
        (
            "4. Take a break",
            "If you feel stressed or angry, put your baby on their back in their cot, step away "
            "for a few minutes and calm yourself, then go back. Ask someone you trust to help.",
        ),
        (
            "Never shake a baby",
            "Shaking can cause serious brain injury. Share this plan with everyone who looks "
            "after your baby.",
        ),
    ),
)

DRAWINGS = {"infant_states": _states, "cue_types": _cues, "comfort_plan": _comfort}
