"""The starter pathways every site begins with: a neutral default and clearly labelled examples
for England and Northern Ireland (original text). Regions set their own in the admin; these are
created once (by a migration) and never overwritten.

Names of programmes, frameworks and services are public facts; check contacts locally, as they
change.
"""

DEFAULT = {
    "name": "General routes (default)",
    "use": "default",
    "nation": "",
    "child_health_programme": (
        "<p>Every family with a baby is offered a universal programme of health visiting "
        "contacts, from pregnancy through the early years. Find out which contacts your area "
        "offers, and how to reach the family's health visiting team.</p>"
    ),
    "safeguarding": (
        "<p>If you think a baby may be at risk of harm, talk to your organisation's "
        "safeguarding lead the same day and follow your local safeguarding procedures. If a "
        "baby is in immediate danger, call <b>999</b>. Record what you saw and heard, and what "
        "you did.</p>"
    ),
    "early_help": (
        "<p>Early help services support families, with their agreement, as soon as "
        "difficulties emerge. Ask your manager how families are referred where you work.</p>"
    ),
    "perinatal_mental_health": (
        "<p>Specialist perinatal mental health teams care for parents with moderate to severe "
        "or complex mental health difficulties in pregnancy and after birth; referral is "
        "usually through the GP, midwife or health visitor. Talking therapies for anxiety and "
        "depression are widely available. A parent with sudden confusion, thoughts of harming "
        "themselves or their baby, or a marked change in behaviour needs urgent, same-day "
        "help.</p>"
    ),
    "parent_infant_team": (
        "<p>Some areas have a specialist parent-infant relationship team; others offer this "
        "support through health visiting, perinatal or child mental health services. Ask "
        "what is available locally and who may refer.</p>"
    ),
    "helplines": (
        "<ul><li>Emergency: <b>999</b></li>"
        "<li>Samaritans, any time, free: <b>116 123</b></li>"
        "<li>NSPCC helpline for adults worried about a child: <b>0808 800 5000</b></li></ul>"
    ),
}

ENGLAND = {
    "name": "England (example)",
    "use": "example",
    "nation": "England",
    "child_health_programme": (
        "<p>The <b>Healthy Child Programme</b>, led by health visiting teams, with mandated "
        "reviews from pregnancy to two and a half years; <b>Best Start for Life</b> and Family "
        "Hubs bring services for families with babies together.</p>"
    ),
    "safeguarding": (
        "<p>Referrals go to the local authority's children's social care \"front door\" (often a "
        "multi-agency safeguarding hub). Support for a child in need is assessed under "
        "<b>section 17</b> of the Children Act 1989; enquiries where a child may be suffering "
        "significant harm are made under <b>section 47</b>. National guidance: <i>Working "
        "Together to Safeguard Children</i>.</p>"
    ),
    "early_help": (
        "<p>Local authority early help services and <b>Family Hubs</b>, usually with the "
        "family's consent through an early help assessment.</p>"
    ),
    "perinatal_mental_health": (
        "<p>Specialist community perinatal mental health teams and mother and baby units; "
        "maternal mental health services for trauma, loss and fear of childbirth; <b>NHS "
        "Talking Therapies</b>, which accept self-referral. Urgent help: NHS 111 (option for "
        "mental health) or 999.</p>"
    ),
    "parent_infant_team": (
        "<p>Specialist parent-infant relationship teams in some areas, often through the "
        "perinatal or child and adolescent mental health service.</p>"
    ),
    "helplines": (
        "<ul><li>NHS 111, and 999 in an emergency</li>"
        "<li>Samaritans: <b>116 123</b></li>"
        "<li>NSPCC helpline: <b>0808 800 5000</b></li></ul>"
    ),
}

NORTHERN_IRELAND = {
    "name": "Northern Ireland (example)",
    "use": "example",
    "nation": "Northern Ireland",
    "child_health_programme": (
        "<p><b>Healthy Child, Healthy Future</b>, the universal child health promotion "
        "programme, delivered by health visiting teams of the Health and Social Care "
        "trusts.</p>"
    ),
    "safeguarding": (
        "<p>Referrals go to the Health and Social Care trust's children's social work "
        "<b>Gateway</b> team. Needs are assessed with <b>UNOCINI</b> (Understanding the Needs of "
        "Children in Northern Ireland), under the Children (Northern Ireland) Order 1995. "
        "Regional guidance: <i>Co-operating to Safeguard Children and Young People in Northern "
        "Ireland</i>.</p>"
    ),
    "early_help": (
        "<p><b>Family Support Hubs</b>: multi-agency networks that take early intervention "
        "referrals, with the family's agreement, and link families to local support.</p>"
    ),
    "perinatal_mental_health": (
        "<p>Specialist perinatal mental health services in each Health and Social Care trust, "
        "reached through the GP, midwife or health visitor. Urgent help: the GP or GP out of "
        "hours, the emergency department, or 999.</p>"
    ),
    "parent_infant_team": (
        "<p>Infant mental health and parent-infant services where the trust provides them; "
        "the Regional Infant Mental Health Framework sets out the care pathway.</p>"
    ),
    "helplines": (
        "<ul><li>Lifeline crisis support: <b>0808 808 8000</b></li>"
        "<li>Samaritans: <b>116 123</b></li>"
        "<li>NSPCC helpline: <b>0808 800 5000</b></li>"
        "<li>999 in an emergency</li></ul>"
    ),
}

STARTER = (DEFAULT, ENGLAND, NORTHERN_IRELAND)


def ensure_starter_pathways(model) -> int:
    """Create the default and the examples that are missing (by use and nation); never changes
    what exists. ``model``: ``LocalPathways`` or its historical version in a migration.
    Returns how many were created."""
    created = 0
    for fields in STARTER:
        if not model.objects.filter(use=fields["use"], nation=fields["nation"]).exists():
            model.objects.create(**fields)
            created += 1
    return created
