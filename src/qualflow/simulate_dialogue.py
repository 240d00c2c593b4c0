"""Phrase banks and the dialogue grammar behind the synthetic demo interviews.

The demo study is modelled on the design of a published study of peer support specialists
(PSS) in a psychiatric hospital; every sentence here is newly written. A transcript is built in
three layers:

1. a *plan*: which codes the participant's turns express (the ground truth), grouped into the
   sections of a semi-structured interview guide, with barriers ordered after the one
   "challenges" prompt (for primacy);
2. *turns*: a coded participant turn states its code(s), often tells a short episode and a
   reaction; a neutral turn is talk on the section's topic. Either is spoken in the
   participant's own voice (openers, fillers, Singlish particles, restarts);
3. *templates*: a bank line is one passage in a tiny grammar — ``{a|b|c}`` picks one
   alternative (nestable), ``<slot>`` fills in a person, place or detail from the
   participant's world (``<he>``/``<his>`` stay consistent within a passage). An interview
   uses each passage once; lines starting ``~`` combine so many alternatives that they may
   recur once the others are spent.

Names of people, places and organisations, and phone/e-mail/NRIC values, are wrapped in an
entity mark-up (``\\ue000id\\ue001surface\\ue002``) so the generator can write them as a
transcriber would (raw) and tell which terms the redaction list needs.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

# Interviewer turns must not match the primacy prompt pattern except the one prompt
# (config.yaml: themes.primacy_prompt).
PROMPT_PATTERN = re.compile(r"(?i)\b(challeng|difficult|hard|barrier|struggl)")

ENTITY_OPEN, ENTITY_SEP, ENTITY_CLOSE = "\ue000", "\ue001", "\ue002"
ENTITY_MARK = re.compile("\ue000([^\ue001]*)\ue001([^\ue002]*)\ue002")


def mark_entity(entity_id: str, surface: str) -> str:
    """Wrap a name (or a phone number, e-mail, NRIC) so renderers can find it again."""
    return f"{ENTITY_OPEN}{entity_id}{ENTITY_SEP}{surface}{ENTITY_CLOSE}"


def surface_text(text: str) -> str:
    """The text as spoken: entity mark-up replaced by the name as said."""
    return ENTITY_MARK.sub(lambda m: m.group(2), text)


# ---------------------------------------------------------------------------------------------
# The template grammar
# ---------------------------------------------------------------------------------------------


class _Alt(tuple):
    """Alternatives: render one of the contained sequences."""


class _Slot(str):
    """A named slot, filled by the interview's slot function."""


def _parse(template: str) -> tuple:
    """Parse ``{a|b}`` alternatives and ``<slot>`` slots into a nested tuple structure."""
    pos = 0

    def sequence(stop: str) -> tuple[list, str]:
        nonlocal pos
        parts: list = []
        buf: list[str] = []
        while pos < len(template):
            ch = template[pos]
            if ch in stop:
                break
            if ch == "{":
                pos += 1
                options = []
                while True:
                    seq, end = sequence("|}")
                    options.append(tuple(seq))
                    pos += 1
                    if end == "}":
                        break
                if buf:
                    parts.append("".join(buf))
                    buf = []
                parts.append(_Alt(options))
                continue
            if ch == "<":
                close = template.index(">", pos)
                if buf:
                    parts.append("".join(buf))
                    buf = []
                parts.append(_Slot(template[pos + 1 : close]))
                pos = close + 1
                continue
            buf.append(ch)
            pos += 1
        if buf:
            parts.append("".join(buf))
        return parts, (template[pos] if pos < len(template) else "")

    parts, _ = sequence("")
    return tuple(parts)


_PARSED: dict[str, tuple] = {}


def expand(template: str, rng: random.Random, slot: Callable[[str, random.Random], str]) -> str:
    """Render one sentence of the grammar: choose alternatives, fill slots, tidy spaces."""
    tree = _PARSED.get(template)
    if tree is None:
        tree = _PARSED[template] = _parse(template)
    out: list[str] = []

    def walk(node: tuple) -> None:
        for part in node:
            if isinstance(part, _Alt):
                walk(part[rng.randrange(len(part))])
            elif isinstance(part, _Slot):
                out.append(slot(str(part), rng))
            else:
                out.append(part)

    walk(tree)
    text = re.sub(r"\s+", " ", "".join(out)).strip()
    text = re.sub(r"\s+([,.?!])", r"\1", text)
    return _capitalise(text)


def _capitalise(text: str) -> str:
    if text and text[0].islower():
        return text[0].upper() + text[1:]
    return text


def _banks(text: str) -> dict[str, list[str]]:
    """Read ``## name`` headed blocks of one-template-per-line banks."""
    banks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#!"):
            continue
        if line.startswith("## "):
            current = banks.setdefault(line[3:].strip(), [])
        elif current is not None:
            current.append(line)
    return banks


# ---------------------------------------------------------------------------------------------
# The codebook (own words)
# ---------------------------------------------------------------------------------------------

CODEBOOK: list[dict] = [
    {
        "name": "facilitators",
        "label": "Facilitators",
        "subthemes": [
            {
                "name": "supportive_figures",
                "label": "Supportive figures",
                "definition": "People at work whose help, trust or advocacy makes the peer role "
                "workable: supervisors, fellow peer specialists and non-peer colleagues.",
                "codes": [
                    (
                        "supervisor_backing",
                        "Supervisor backing",
                        "The PSS describes a supervisor or reporting officer who understands "
                        "them, trusts them, gives them room, or speaks up for them.",
                        "Regular supervision that helps; flexibility when the PSS is unwell; a "
                        "supervisor securing rooms or materials; being trusted to decide.",
                        "Supervisors who do not understand the role (supervisor_unfamiliar); "
                        "general statements about the team.",
                        "My RO told me to take the week I needed and that the group could wait.",
                    ),
                    (
                        "peer_partner",
                        "Peer partner or buddy",
                        "Another peer support specialist (a partner, a buddy from the same "
                        "training batch) who helps the PSS settle in, shares the load or "
                        "debriefs with them.",
                        "Being shown around in the first weeks; covering each other's groups; "
                        "debriefing after a hard session.",
                        "Non-peer colleagues (staff_allies); talking things through with family "
                        "or friends outside work (talking_it_through).",
                        "We started in the same month, so we more or less hold each other up.",
                    ),
                    (
                        "staff_allies",
                        "Allies among non-peer staff",
                        "Nurses, doctors, case managers or ward managers who include the PSS, "
                        "refer patients, explain the clinical view or smooth over tensions.",
                        "Staff introducing the PSS to patients; asking for their view in rounds; "
                        "mediating between the PSS and another colleague; finding them a room.",
                        "The PSS's own supervisor (supervisor_backing); recognition of the role "
                        "by the team as a whole (recognised_contribution).",
                        "The ward nurse always brings me to meet the new admissions first.",
                    ),
                ],
            },
            {
                "name": "defined_role",
                "label": "Defined role",
                "definition": "Clarity about what the peer role is and is not, built up with the "
                "team, which gives the PSS confidence and workable boundaries.",
                "codes": [
                    (
                        "clear_boundaries",
                        "Clear boundaries",
                        "The PSS knows where their role starts and ends, and keeps their staff "
                        "identity apart from their own treatment as a service user.",
                        "A written job scope; telling peers what the PSS can and cannot help "
                        "with; keeping work talk out of their own medical reviews.",
                        "Unease about former clinicians now being colleagues "
                        "(dual_relationship); not knowing what to do (role_confusion).",
                        "I don't give medication advice; I share my story and I listen.",
                    ),
                    (
                        "role_building",
                        "Building the role",
                        "The PSS, with the team, creates the procedures, formats and routines of "
                        "peer work where none existed.",
                        "Writing how a peer group runs; drafting safety steps; designing a "
                        "referral form; reviewing whether a programme meets its aims.",
                        "Waiting for approval to start something (gatekeeping_approval).",
                        "We wrote down together how the group runs, from referral to follow-up.",
                    ),
                    (
                        "recognised_contribution",
                        "Recognised contribution",
                        "The team understands and values what the PSS brings: they are asked "
                        "for their view, receive referrals, and their notes are read.",
                        "Being called in to engage a withdrawn patient; being asked for input in "
                        "a case conference; more referrals over time.",
                        "Help from one named ally (staff_allies); feelings of meaning from the "
                        "work itself (meaning_purpose).",
                        "Now the team calls me in when someone won't talk to anybody else.",
                    ),
                ],
            },
            {
                "name": "personal_growth",
                "label": "Opportunities for personal growth and finding meaning",
                "definition": "Wanting and finding learning, development and a sense of meaning "
                "in peer work.",
                "codes": [
                    (
                        "training_wanted",
                        "Wanting role-specific training",
                        "The PSS asks for, or attends, training and courses that build their "
                        "skills as a peer specialist.",
                        "Wishing for courses made for peer specialists; naming skills to learn; "
                        "attending workshops or conferences.",
                        "Mandatory generic courses mentioned only in passing; career ladders "
                        "(career_progression).",
                        "I'd really like proper training in running groups, because mine keep "
                        "getting bigger.",
                    ),
                    (
                        "meaning_purpose",
                        "Meaning and purpose",
                        "The work gives the PSS meaning: their past is put to use, they see "
                        "others recover, they grow through reflecting on the work.",
                        "Pride in a peer's progress; the job feeding their own recovery; a sense "
                        "of purpose absent from earlier jobs.",
                        "Recognition by the team (recognised_contribution); the illness story "
                        "itself without reflection on the work.",
                        "This is the first job I actually look forward to on a Monday.",
                    ),
                    (
                        "career_progression",
                        "Career progression",
                        "The PSS looks for a future in the role: senior posts, supervising "
                        "other peers, further study, training new batches.",
                        "No senior peer post yet; wanting to train or supervise new peers; "
                        "planning a diploma.",
                        "Short-term skills training (training_wanted).",
                        "There's no senior peer post yet, so I don't know where this leads.",
                    ),
                ],
            },
            {
                "name": "coping_strategies",
                "label": "Identifying personalised coping strategies",
                "definition": "The personal ways a PSS keeps well while doing emotionally heavy "
                "work.",
                "codes": [
                    (
                        "talking_it_through",
                        "Talking it through",
                        "The PSS processes difficult feelings by talking with someone: "
                        "supervision, colleagues, family, friends, a peer chat group.",
                        "Debriefing after a heavy story; calling a friend; bringing a case to "
                        "supervision because it stayed with them.",
                        "Supervision described as support from the supervisor rather than as "
                        "the PSS's own strategy (supervisor_backing).",
                        "If a story shakes me, I make sure I talk it out before I sleep.",
                    ),
                    (
                        "wellness_planning",
                        "Wellness planning and self-monitoring",
                        "The PSS watches their own warning signs and plans their workload "
                        "around their well-being.",
                        "A wellness action plan; noticing early signs; blocking time; saying no "
                        "to extra work when the week is full.",
                        "Hobbies and activities (personal_activities).",
                        "When I start skipping meals, I know it's time to slow down.",
                    ),
                    (
                        "personal_activities",
                        "Personal activities",
                        "Hobbies, exercise, faith, music or rest that the PSS uses to switch "
                        "off from work.",
                        "Weekend sport; prayer; playing an instrument; walks after dinner.",
                        "Talking with people (talking_it_through).",
                        "On Saturdays I cycle for two hours and I don't think about work at all.",
                    ),
                ],
            },
        ],
    },
    {
        "name": "barriers",
        "label": "Barriers",
        "subthemes": [
            {
                "name": "unclear_role",
                "label": "Unclear role",
                "definition": "Uncertainty about what a peer specialist is for, held by the PSS, "
                "their supervisors or the team.",
                "codes": [
                    (
                        "role_confusion",
                        "Not knowing what to do",
                        "The PSS is unsure what their job is, does a bit of everything, or "
                        "cannot say what a peer specialist does.",
                        "Following others around at the start; doing errands unrelated to peer "
                        "work; the role being made up as they go.",
                        "A supervisor's uncertainty (supervisor_unfamiliar); overlap with "
                        "other professions (overlap_other_roles).",
                        "Nobody could tell me what a normal day for a peer specialist was.",
                    ),
                    (
                        "supervisor_unfamiliar",
                        "Supervisor unfamiliar with peer work",
                        "The PSS's supervisor or manager does not know what peer support is or "
                        "what to expect from it.",
                        "No targets or direction given; the PSS explaining the role to their "
                        "own supervisor; conflicting expectations.",
                        "A supervisor who is supportive and clear (supervisor_backing).",
                        "I end up explaining the peer role to my own boss.",
                    ),
                    (
                        "overlap_other_roles",
                        "Overlap with other roles",
                        "Unclear lines between peer work and the work of case managers, social "
                        "workers or counsellors, which causes worry or friction.",
                        "Fear of stepping on another profession's work; staff seeing the PSS as "
                        "taking over; grey areas nobody has settled.",
                        "Open hostility (dismissive_remarks).",
                        "I'm never sure if following up on him is my job or the case manager's.",
                    ),
                    (
                        "dual_relationship",
                        "Former carers as colleagues",
                        "The PSS works alongside staff who once treated them, or is still a "
                        "patient of the same hospital, and the two identities collide.",
                        "A former psychologist or case manager now a colleague; nurses who knew "
                        "them as an inpatient; meeting colleagues at their own follow-up.",
                        "Settled boundaries between the two roles (clear_boundaries).",
                        "The psychologist who saw me years ago now sits two desks away.",
                    ),
                ],
            },
            {
                "name": "hostility_from_staff",
                "label": "Hostility from non-peer staff",
                "definition": "Unwelcoming, dismissive or excluding behaviour from colleagues who "
                "are not peer specialists.",
                "codes": [
                    (
                        "dismissive_remarks",
                        "Dismissive remarks",
                        "Hurtful or belittling comments to or about the PSS.",
                        "Remarks that patients should not work in a hospital; ideas laughed "
                        "off in meetings; being spoken to like a patient.",
                        "Being left out without words (excluded_from_team).",
                        "Someone said in the meeting, what does a peer know about treatment.",
                    ),
                    (
                        "excluded_from_team",
                        "Left out of the team",
                        "The PSS is left out of team channels, meetings, outings or "
                        "information that other staff get.",
                        "Not added to the team chat group; learning of changes last; eating "
                        "alone while the team eats together.",
                        "Rules that restrict who the PSS may see (referral_restrictions).",
                        "Even the interns were in the chat group before I was.",
                    ),
                    (
                        "stigma_doubt",
                        "Stigma and doubt",
                        "Staff doubt the PSS's reliability or professionalism because of their "
                        "diagnosis or history.",
                        "Double-checking their work; seeing them as fragile; beliefs that "
                        "addiction is a choice; doubts that a peer is a professional.",
                        "A single rude comment (dismissive_remarks).",
                        "They check everything I do twice, because they know my history.",
                    ),
                ],
            },
            {
                "name": "unsupportive_environment",
                "label": "Unsupportive working environments",
                "definition": "Rules, structures and shortages in the workplace that hold peer "
                "work back.",
                "codes": [
                    (
                        "gatekeeping_approval",
                        "Layers of approval",
                        "New ideas and small changes need approval from several levels, so "
                        "peer-led initiatives stall.",
                        "Months of waiting to start a group; forms for posters; programmes that "
                        "must be signed off by senior staff before peers can shape them.",
                        "Missing rooms or equipment (lack_of_resources).",
                        "By the time the approval came, the peers I had in mind were discharged.",
                    ),
                    (
                        "referral_restrictions",
                        "Restricted access to peers",
                        "Rules about referral or eligibility keep people who want peer support "
                        "from getting it.",
                        "Group open only on a psychologist's referral; peer support only on "
                        "some wards; no direct access to outpatients.",
                        "Departments working apart (siloed_structure).",
                        "He wanted to join, but I had to send him off to get a referral first.",
                    ),
                    (
                        "lack_of_resources",
                        "Lack of resources",
                        "No desk, room, budget, computer or system access for the PSS's work.",
                        "Carrying belongings around for lack of a desk; groups held in the "
                        "pantry; buying materials themselves; no access to records.",
                        "Approval processes (gatekeeping_approval).",
                        "For two months I had no desk and carried everything in my bag.",
                    ),
                    (
                        "siloed_structure",
                        "Siloed departments",
                        "Departments work separately, so the PSS cannot follow peers across "
                        "services and peer specialists are scattered.",
                        "Losing contact when a peer moves from inpatient to outpatient care; no "
                        "hospital-wide view of peer support.",
                        "Referral rules within one service (referral_restrictions).",
                        "Once he left the ward I couldn't follow him to the clinic.",
                    ),
                ],
            },
        ],
    },
]

CODE_SUBTHEME: dict[str, str] = {
    code[0]: sub["name"] for cat in CODEBOOK for sub in cat["subthemes"] for code in sub["codes"]
}
SUBTHEME_CATEGORY: dict[str, str] = {
    sub["name"]: cat["name"] for cat in CODEBOOK for sub in cat["subthemes"]
}
SUBTHEMES: list[str] = list(SUBTHEME_CATEGORY)
BARRIERS: list[str] = [s for s, c in SUBTHEME_CATEGORY.items() if c == "barriers"]


def codebook_document() -> dict:
    """The codebook as the YAML document ``qualflow.codebook.load_codebook`` reads."""
    categories = []
    for cat in CODEBOOK:
        subthemes = []
        for sub in cat["subthemes"]:
            codes = [
                {
                    "name": name,
                    "label": label,
                    "definition": definition,
                    "include": include,
                    "exclude": exclude,
                    "example": example,
                }
                for name, label, definition, include, exclude, example in sub["codes"]
            ]
            subthemes.append(
                {
                    "name": sub["name"],
                    "label": sub["label"],
                    "definition": sub["definition"],
                    "codes": codes,
                }
            )
        categories.append({"name": cat["name"], "label": cat["label"], "subthemes": subthemes})
    return {"categories": categories}


# Codes a coder may take for one another: siblings in a subtheme, and the role pairs that sit
# on either side of the facilitator/barrier line.
CROSS_NEIGHBOURS: dict[str, list[str]] = {
    "clear_boundaries": ["dual_relationship"],
    "dual_relationship": ["clear_boundaries"],
    "recognised_contribution": ["role_confusion", "staff_allies"],
    "role_confusion": ["recognised_contribution", "role_building"],
    "role_building": ["role_confusion"],
    "supervisor_backing": ["supervisor_unfamiliar"],
    "supervisor_unfamiliar": ["supervisor_backing"],
    "stigma_doubt": ["excluded_from_team", "dismissive_remarks"],
    "talking_it_through": ["peer_partner"],
    "peer_partner": ["talking_it_through"],
}


def neighbours(code: str) -> list[str]:
    """Codes a coder might apply instead of ``code`` (same subtheme, or a known cross pair)."""
    sub = CODE_SUBTHEME[code]
    siblings = [c for c, s in CODE_SUBTHEME.items() if s == sub and c != code]
    return siblings + [c for c in CROSS_NEIGHBOURS.get(code, []) if c not in siblings]


# ---------------------------------------------------------------------------------------------
# Participant phrase banks: one bank per code (core statements), follow-ups, reactions
# ---------------------------------------------------------------------------------------------

CODE_BANK = _banks(
    """
## supervisor_backing
<sup_role>, <sup>, is someone I can just walk up to and say I'm not {doing so well|in a good \
place} today, and there's no judgement {at all|whatsoever}.
When I had that bad {week|patch} <time_ago>, <sup> told me to take the {time|days} I needed and \
{said the group could wait|said the cover would be sorted out}.
<sup> trusts me to run {the group|my sessions|things} my own way, which {honestly|really} makes \
me want to do better.
Every {two weeks|month} I have supervision with <sup>, and that hour is {really|basically} where \
I sort out my {head|thoughts}.
If I need a room or {some materials|stationery|a projector} for the group, I tell <sup_role> and \
somehow it gets {settled|sorted out} within the week.
<sup_role> actually went to the {department meeting|heads meeting} and spoke up for the peer \
role when {nobody else did|the others were unsure}.
<sup> helps me see things from the {clinicians'|doctors'|team's} side, like why {the doctor|the \
team} wants it done a certain way, without making me feel {my view doesn't count|that I'm wrong}.
Having a supervisor who {believes in|understands} recovery makes a big difference, because {you \
don't have to keep explaining yourself|you can be honest about your own bad days}.
The first time I {messed up|got wrong} a case note, <sup> sat down with me and went through it \
{line by line|slowly}, no scolding.
<sup_role> checks in on me, not just {on the work|the cases}, like {how am I sleeping|am I \
eating properly|am I coping okay}.
When I wasn't well for {a few days|almost a week}, <sup_role> {just|simply} said, take care of \
yourself first, work will still be here.
<sup> gives me {a lot of|quite a lot of} room to try new things with the peers, and {backs me \
up|stands behind me} if {it doesn't work out|something goes wrong}.
## supervisor_backing_more
{Not everyone|Not every PSS} has that, so I know I'm {quite|very} lucky.
{That kind of|That} trust {really|actually} helps me grow in the job.
I think without <sup_role> I {might have|would have} given up in the first {year|few months}.
Even when {the ward is busy|it's a crazy day}, <sup> will find ten minutes for me.
## peer_partner
<partner> and I started {around the same time|in the same month|in the same batch}, so we kind \
of hold each other up.
In my first {month|few weeks} <partner> {brought|walked} me around to {every counter|all the \
offices}, HR, IT, security, just to get my staff pass and my login {sorted|done}.
Whenever a session goes badly, I {message|text} <partner> and we {debrief|talk it over} {over \
lunch|after work|at the pantry}.
Having another peer support specialist in the same {unit|department} means I'm not the only {odd \
one|new face} in the room.
<partner> has been in the role longer, so I ask a lot of {silly|basic} questions and never get \
made to feel {silly|stupid}.
We split the groups between us, so if I'm not feeling up to it one day, <partner> can step in.
My buddy from the certification {batch|course}, <partner>, still {calls|texts} me every week to \
ask how {things are|I'm doing}.
<partner> showed me {how to write the notes|the little things nobody writes down}, like which \
{staff|nurse} to ask for what.
Before my first group, <partner> {sat in|came along} and gave me feedback after, {very \
gently|very kindly}.
## peer_partner_more
It's good to have someone who {just gets it|knows what it's like from the inside}.
We {joke|laugh} that we are each other's {supervisor|support group}.
I don't know how the PSS who work alone {manage|cope}.
## staff_allies
There's a nurse on <ward>, <nurse>, who always {introduces me|brings me} to the new \
{patients|admissions}, and that opens a lot of doors.
<wm>, the ward manager, found me a {locker|cabinet} and a corner to write my notes after I \
{asked around|went around asking} for {weeks|ages}.
The case manager I work with, <cm>, explains to me what the team is worried about before the \
{meeting|case conference}, so I don't walk in blind.
Some of the doctors, like <doc>, actually ask for my {opinion|input} during {rounds|the review}, \
which I {did not|didn't} expect.
When there was some tension with one of the {nurses|staff}, <cm> sat both of us down and helped \
us understand each other.
The OT team lends me their room on {Thursdays|Tuesday mornings} so I can run my group there.
A few of the senior staff, <nurse> especially, {go out of their way|make the effort} to refer \
patients to me, and they explain what a peer specialist is {beforehand|first}.
<doc> once told the whole team that the peer specialist's view {matters|is important} for the \
discharge plan, and after that the nurses {treated me differently|started to include me}.
<cm> {always|usually} copies me in when one of my peers is {going home|being discharged}, so I \
can say goodbye properly.
## staff_allies_more
It's small things, but they {add up|make the day easier}.
People like that make me feel {part of the team|that I belong on the ward}.
I told {them|her|him} thank you, but I don't think {they know|anyone knows} how much it helped.
## clear_boundaries
Now I'm {clearer|more clear} that when I'm at work I'm staff, and when I see my own doctor I'm a \
patient, and I keep the two apart.
I tell the peers on day one what I can help with and what I need to pass on to the case manager.
It helped a lot when we finally had a written job scope, because then I knew where my part ends.
I don't do counselling, I don't give {medication advice|advice on medicine}, I share my \
experience and I listen, and once I was clear on that it got {much easier|a lot easier}.
My own doctor sometimes asks me about work during my review, and I just tell {them|him|her} \
{politely|nicely} that I'd rather keep {work talk|the job} out of the consultation.
Knowing my boundaries means I don't take home every story I hear.
If a peer asks {for my number|to meet outside|to be friends on Facebook}, I know how to say no \
{kindly|nicely}, and that took some practice.
I'm {quite|very} clear with the team that I'm not there to {watch|report on} the patients, I'm \
there to walk with them.
## clear_boundaries_more
It protects the peers and it protects me also.
{Once|After} the lines were drawn, I felt {more confident|less anxious} going onto the ward.
## role_building
We sat down with the team and {wrote out|mapped out} how the peer group should run, from the \
referral to the follow-up.
Together with <sup> we drafted a {little|short} guide on what to do if someone in the group gets \
{distressed|very upset}.
Since there was no peer role in <dept> before, we had to make the procedures ourselves, step by \
step.
Every {few months|quarter} we review whether the group is doing what we set out to do, and we \
change the format if it isn't.
I proposed a short orientation slot where I explain the peer role to new patients, and the team \
agreed to {try it|give it a go}.
We created a simple form so the case managers can refer someone to peer support without {a long \
email|going through three people}.
<partner> and I {wrote|put together} the ground rules for the group, like confidentiality and \
how we {close|end} each session.
We {tried|piloted} a drop-in {hour|session} on <ward>, and after a month we {changed the \
timing|moved it to the afternoon} because that's when people {are awake|come}.
## role_building_more
It's our own thing, so we {feel|have} ownership of it.
{Slowly|Bit by bit} it's becoming a proper programme, not just me {talking|chatting}.
## recognised_contribution
Now the team actually {calls me in|asks for me} when a patient is {refusing to talk|not \
engaging}, because they know I can connect differently.
During the case conference the consultant asked what the peer specialist thought, and that felt \
like I was {part of the team|one of them}.
More referrals are coming to me now, so I guess people {see|can see} what I bring.
The nurses tell me that patients are calmer after they talk to me, and that's when I {know|feel} \
the role is understood.
I feel my input is taken seriously now, when I write something in the notes, people {read \
it|follow up on it}.
{Last month|Recently} the team {put my name|included me} in the discharge plan, and it \
{wasn't|was not} just a token thing.
The doctors {now|these days} ask me to sit in for the family meeting, because {the \
families|parents} listen when they hear from someone who has been there.
## recognised_contribution_more
{It took time|It took a while}, but {I think|I feel} they see the value now.
That's a big change from when I first came in.
## training_wanted
I {really|do} hope the hospital can send us for more courses that are meant for peer \
specialists, not just the general ones.
If I could pick one thing, I'd want proper training in <skill>, because I run the groups alone \
and the numbers keep growing.
The certification course gave us the basics, but after {a year|some time} on the job you feel \
you need the next level.
Most of the workshops here are for nurses or doctors, so I sit there and try to \
{translate|apply} it to my role.
I asked {whether|if} I could attend the <skill> workshop, and I'm {still waiting|waiting} to \
hear back.
I'd like to learn how to handle crisis situations better, because {sometimes I freeze|I don't \
always know what to say}.
There's a conference by <org> next year, and I'm hoping to present something about our group.
I went for a <skill> course {last month|recently}, and I {picked up|learnt} a lot, but I wish \
there was a version {for peers|written for our role}.
{Something like|Maybe} a refresher every year, {for us peer specialists|just for the peer \
specialists}, where we can practise <skill> and share cases.
## training_wanted_more
{I feel|I think} we are {a bit left behind|behind} compared to the other disciplines in terms of \
training.
If we {grow|improve}, the peers benefit also.
## meaning_purpose
When a peer tells me that {they went back to school|they found a job|they reconnected with \
family}, I feel all the bad years I went through were not wasted.
This is the first job where I wake up and I actually want to go.
Sharing my story used to feel shameful, but now it's something that can help someone else.
Sometimes I sit on the MRT home and think, I was once on that ward as a patient, and now I'm \
walking in with a staff pass.
It's meaningful because I'm planting the idea that recovery is possible, even if I don't see the \
{result|ending}.
The work has helped my own recovery too, because I keep practising what I tell the peers.
{One of the peers|A peer I worked with} sent me a {card|message} after discharge, just {two \
lines|a few words}, and I kept it in my drawer.
I {feel|realise} I'm {growing|changing} as a person, I'm more patient, I listen better, even at \
home.
{Other jobs|My previous jobs} paid the bills, but this one gives me a reason, if that makes sense.
## meaning_purpose_more
{That|It} keeps me going on the bad days.
I {can't|cannot} really put a price on that feeling.
## career_progression
I'm not sure where this job {leads|goes} in five years, there's no senior peer specialist post yet.
I would like to see a path where peer specialists can become supervisors of other peers.
Some of us are thinking of doing a {diploma|degree} part-time, to have more options later.
If there were a senior role, I think I'd go for it, maybe to train the new batches.
<sup_role> suggested I could co-facilitate the next certification course, which is something I'd \
{love|like} to grow into.
{In the long run|Long term} I hope to {lead|coordinate} the peer team, {if such a position ever \
exists|if the hospital creates one}.
I've started {reading up on|looking at} the social work diploma, because I don't want to {stay \
at the same level|be stuck} forever.
## career_progression_more
{Right now|For now} the pay and the grade are {fixed|the same} no matter how long you stay.
It would give the newer ones something to aim for.
## talking_it_through
After a heavy session I make sure I talk it out with someone, usually <confidant>, before I go \
to sleep.
I learnt that I can't keep everything inside, if a story shakes me, I bring it to supervision.
My family doesn't fully get the job, but <confidant> will listen when I need to {unload|let it \
out}.
We have a WhatsApp group among the peer specialists, and we vent there when things get too much.
Sometimes I call {my friend|a friend} and we just {talk rubbish|chat} for an hour, and that \
resets me.
When a peer's story {is too close to mine|reminds me of my own}, I tell <confidant> about it, \
{without names of course|no names}, so it doesn't sit inside me.
I {process|work through} the bad days by talking, that's just how I am, I need to say it out loud.
## talking_it_through_more
Once it's said out loud, it's {lighter|not so heavy}.
I {used to|would} bottle it up last time, and that {didn't end well|was part of why I got unwell}.
## wellness_planning
I went back to my wellness plan and wrote down the early signs, like when I stop replying \
messages or sleep too late.
I block out {Friday afternoons|one afternoon a week} for admin so that I don't burn out running \
group after group.
I know now that when I start {skipping meals|not sleeping}, that's my warning sign to slow down.
I told <sup_role> my triggers, so if I'm getting {quiet|withdrawn} someone can check in.
I keep a small notebook and at the end of each day I rate my mood, just to see the pattern.
I've learnt to say no to an extra group if my week is already full.
I set a rule for myself, {no work messages after nine|no checking email on weekends}, because \
otherwise my mind {doesn't switch off|keeps running}.
Every {month|few weeks} I look at my plan again and ask myself {honestly|truthfully} how I'm doing.
## wellness_planning_more
It's not fancy, but it works for me.
I learnt the hard way that I have to pace myself.
## personal_activities
On weekends I go <hobby_go>, and that's my time where I don't think about work at all.
{Prayer|My faith} keeps me grounded, I try not to miss it even on busy days.
I started <hobby> again {last year|a few months ago}, and it really helps me switch off.
I make sure I get my exercise, even just a walk around the neighbourhood after dinner.
Music helps, I put on my playlist on the way home and by the time I reach I'm calmer.
Every {Sunday|Saturday morning} I go <hobby_go>, it's {like my reset button|my me-time}.
I picked up {baking|drawing|gardening} during the {holidays|break}, and now I do it whenever my \
head is too full.
## personal_activities_more
{It's|That's} the one thing I protect in my week.
It sounds simple but it {makes a big difference|really works}.
## role_confusion
Honestly at the start I didn't know what I was supposed to be doing, I just followed people around.
Even now I'm doing a bit of everything, groups, admin, escorting patients, and I'm not sure \
which of it is {really peer work|what I was hired for}.
Nobody could tell me what a {typical|normal} day for a peer specialist should look like.
It's like the role is still being written while we are doing it.
Sometimes I'm asked to do things like {photocopying|covering the counter|sending forms}, and I \
wonder if that's what I was hired for.
When patients ask me what I do, I still {struggle|find it hard} to explain it in one sentence.
{The first few months|My first month}, I would sit at the nurses' station waiting for someone to \
give me {something to do|a task}.
We {asked|went to ask} what the key indicators for our work were, and {nobody knew|there weren't \
any}.
## role_confusion_more
It made me feel {quite lost|a bit useless} at times.
I don't think it's anyone's fault, it's just {very new|new for everybody}.
## supervisor_unfamiliar
<sup_role> is supportive but has never worked with a peer specialist before, so we are both \
figuring it out.
My reporting officer comes from {a nursing|a medical|an admin} background, so the expectations \
are quite different from what we learnt in the course.
When I asked my manager what my targets were, I got a blank look and was told to just see how it \
goes.
Our {department head|HOD} wasn't sure whether I should write in the case notes or not, so for \
months I didn't.
I end up explaining the peer role to my own supervisor, which is a bit upside down.
<sup_role> {sometimes|often} gives me tasks meant for a {nurse aide|clerk}, because they don't \
really know what else a PSS can do.
## supervisor_unfamiliar_more
{So we are learning together lah|We are learning together, I suppose}.
It would help if supervisors had some briefing on peer work first.
## overlap_other_roles
I'm always worried I'm stepping onto the case manager's {turf|territory} when I follow up with a \
patient.
Some social workers see what I do and think I'm doing their job without the training.
There's a grey zone between what I do and what the counsellors do, and nobody has drawn the line.
I think some staff feel I'm taking over part of their work, so they hold back information.
When I helped a peer with {his housing forms|her job applications}, I later heard that's \
supposed to be the social worker's job.
{Sometimes|At times} I'm not sure whether to {tell|report to} the case manager or just handle \
it, because I don't want to {overstep|step on toes}.
## overlap_other_roles_more
So I {tend to|usually} hold back, which is also not good for the peers.
We need someone to {sit us all down|clarify} who does what.
## dual_relationship
It's strange because the psychologist who saw me {years ago|when I was first unwell} is now \
sitting {two desks|a few tables} away from me.
My former case manager is now in the same team meetings, and I'm not sure whether to speak as a \
colleague or as {the old patient|her old client|his old client}.
Some of the nurses on <ward> knew me when I was admitted, so it takes time for them to see me as \
staff.
I still have my follow-ups in the same hospital, so I might meet colleagues in the waiting area.
It took my brain a while to accept that the person who used to treat me is now a co-worker.
{In the first week|One of the first days}, I walked into the meeting room and my old \
{doctor|therapist} was sitting there, and I didn't know {where to look|what to say}.
## dual_relationship_more
{You|I} have to switch hats, and it's not so easy.
We never talked about it openly, we just {carried on|pretended it was normal}.
## dismissive_remarks
One of the senior nurses said in front of everyone that patients shouldn't be working in a \
hospital, and I just stood there.
When I shared an idea in the meeting, someone laughed and said, what does a peer know about \
treatment.
A staff told me I should be careful not to get admitted again, as if it was a joke.
There was a remark, something like, "you're still a patient what", and it really {stung|hurt}.
Some staff talk to me the way they talk to patients, slowly and loudly, like I can't understand.
{Someone|One staff} asked me in the pantry, "so they let you people work here now", and walked off.
A {doctor|staff nurse} {corrected me|cut me off} in front of the peer I was talking to, as if I \
had no business being there.
## dismissive_remarks_more
I went home that day feeling quite small.
{I didn't say anything|I kept quiet}, but I {replayed it|thought about it} the whole night.
## excluded_from_team
I only found out about the team outing from the photos, nobody told me.
For months I wasn't added to the department chat group, even the interns were in it.
They sometimes discuss my {clients|peers} in the meeting after I've left the room.
I'm not on the email list for the case conference, so I hear about changes last.
At lunch the team sits together and I end up eating at my desk.
When they {planned|reorganised} the ward activities, {nobody|no one} asked the peer specialists, \
we just got the new timetable.
## excluded_from_team_more
It's {a small thing|not a big thing} maybe, but it tells you where you stand.
{You start to feel|I started to feel} like an outsider {in my own team|on my own ward}.
## stigma_doubt
People still think that someone with my history can't be reliable, so they double-check \
everything I do.
Because they know {my diagnosis|about <diag_phrase>}, some colleagues {watch me|treat me} as if \
I might break down any moment.
I can feel some {doctors|staff} don't believe a peer specialist is a real professional.
There's this idea that we are fragile, so they don't give us {cases|peers} that are too heavy, \
even when we are ready.
In our culture, having a mental illness is still seen as a weakness, and that follows me into \
the office.
{A colleague|Someone in the team} said {openly|to my face} that people with addiction chose \
their problem, so why should they get a peer.
If I'm a bit quiet one day, somebody will ask if I {took my medication|am relapsing}, which they \
would never ask another staff.
## stigma_doubt_more
It's the stigma, {it doesn't go away just because I have a staff pass|a staff pass doesn't make \
it go away}.
I have to work twice as hard to be seen as {normal|the same}.
## gatekeeping_approval
Every small thing I want to try, I need to go through my supervisor, then the head of \
department, then maybe {the quality office|admin}.
I wanted to start a {peer sharing corner|monthly peer talk}, and the approval took almost \
{four|five} months.
We can't just co-design a programme with the peers, it has to be signed off by someone senior \
first.
Even putting up a poster needs an approval form.
By the time the paperwork is cleared, the patients I wanted to help have already been discharged.
{There's|There is} always one more level to check with, and {each|every} level has {some|a} new \
question.
## gatekeeping_approval_more
{It kills|It dampens} the motivation a bit, to be honest.
I understand the hospital needs rules, but {for peer work|for us} it's too many layers.
## referral_restrictions
Patients can only join my group if a psychologist refers them, so a lot of interested people \
can't come.
I'm not allowed to see outpatients directly, it has to come through the case manager.
There's a rule that peer support is only for certain wards, so people on the other wards miss out.
Someone walked up to me asking to join the group, and I had to tell him to go {get|find} a \
referral first.
{Families|Caregivers} ask me if their {son|daughter} can see a peer specialist, and I have to \
say only if the team refers.
## referral_restrictions_more
It's a pity, because {those who ask themselves|the ones who ask} are usually the most \
{ready|motivated}.
## lack_of_resources
For the first two months I didn't have a desk, I was carrying my things around in a bag.
There's no room for the group most weeks, so we end up in the corridor or the pantry.
We don't have a budget for materials, so I buy the stationery {myself|out of my own pocket}.
I don't have access to the patient records system, so I can't see basic information before a \
session.
Only one computer is shared among {four|five} of us, so my notes are always late.
We {asked for|requested} a {phone|work phone} for the peer team {months ago|last year}, and \
{we're still using our own|nothing yet}.
## lack_of_resources_more
{These are|It's} practical things, but they affect the work.
It {makes|made} us feel like an afterthought.
## siloed_structure
Once a patient is discharged from <ward>, I can't follow them to <clinic>, because that's a \
different department.
Each department does its own thing, so peer specialists in different units hardly talk to each \
other.
If a peer moves from inpatient to outpatient, I lose contact and someone new has to start from \
zero.
We are split across departments, so there's no one person looking at peer support across the \
hospital.
A peer I saw {every week|for months} on <ward> was moved to another {service|department}, and \
{nobody told me|I only heard later}.
## siloed_structure_more
For recovery, continuity {is so important|matters a lot}, so it's {a pity|quite sad}.
"""
)

REACTIONS = _banks(
    """
## positive
That really meant a lot to me.
It made me feel {I belong here|part of something}.
So I'm quite {thankful|grateful} for that.
Honestly {that|it} kept me going in the first few months.
I didn't expect it, but it helped a lot.
{For me|To me} that's {huge|a big deal}.
## negative
It's quite discouraging, to be honest.
I didn't know how to react at that time.
It makes you wonder {whether it's worth it|why you bother} sometimes.
I try not to take it personally, but it does affect me.
{It's tiring|It's exhausting}, you know.
Sometimes I just {sigh|keep quiet} and carry on.
"""
)

# Neutral talk: no code applies. One line is one passage (a few sentences that belong
# together). Kept free of statements that would fit the codebook.
NEUTRAL = _banks(
    """
## smalltalk
{Okay|Quite okay}, a bit tired but fine. {The ward was busy this morning|I just came from the \
ward}.
It's been alright. {The traffic was okay today, I took the MRT|I came straight after lunch}.
Not bad, {thank you|thanks}. {A bit rushed this week|Busy week}, but okay.
{Fine|Good}, thanks for asking. {I'm looking forward to the weekend|It's been a long week}.
Okay lah, {same old|nothing special}. {Happy to be here|Glad we could find a time}.
## recovery
My family took a long time to understand what was happening to me. {My parents|My mum \
especially} thought it was {a phase|stress from school}, and for a while we didn't talk about it \
at all. Looking back, I think they were {scared|confused} too.
Back then I didn't have the words for it. I just thought I was {lazy|weak|a bad person}, and \
everybody around me {kind of|also} thought the same. It was only much later, {in the ward|with \
my first psychologist}, that someone explained it to me properly.
I was in and out of the hospital for {about two years|quite a while}. Each time I came out I \
promised myself it was the last time. {It wasn't|It didn't work out like that}, not at first.
The turning point was when I {found the right medication|started seeing the same doctor \
regularly|joined a support group}. {It wasn't magic|It didn't fix everything}, but for the first \
time I could {plan a week ahead|keep a routine|sleep through the night}.
I had to stop {school|my studies|work} for {a year|some time}. My friends {went on with their \
lives|graduated without me}, and I felt {left behind|stuck}. That part was {quite painful|lonely}.
It wasn't one big moment, it was many small ones. {Cooking a meal for myself|Taking the bus \
alone|Going back to the hawker centre with my friends}, things like that. Each one felt like \
getting a piece of myself back.
I remember the {day|week} I could finally read a book again. I finished {a whole novel|a thick \
book} in two days and I cried a bit after, because I didn't think my concentration would ever \
come back.
{My grandmother|An aunt} was the one who brought me to the polyclinic the first time. The doctor \
there was very calm, and said we would take it step by step. I still remember {the room|the blue \
chairs in that room}.
At my lowest point I {stopped answering my phone|didn't leave my room} for weeks. {My brother|A \
friend from school} kept coming to the door every evening, even when I didn't open it.
Religion was {complicated|mixed} for me at that time. Some people at {church|the mosque|the \
temple} were very kind, but some told my parents I just needed to {pray more|try harder}.
## recovery_schizophrenia
When I was first unwell I was hearing voices, and I was convinced people were watching me. I \
{covered the windows|stopped using my phone} because I thought they could {see|track} me. It \
sounds {strange|funny} now, but at that time it was completely real.
The psychosis came on {slowly|over a few months}, {during|after} my National Service. {My \
sergeant|My friends} noticed I was {talking to myself|not sleeping} before I noticed anything.
I stopped trusting my own family for a while because of what the voices were saying. That's the \
part I feel {worst|most sorry} about, {how I treated my mum|the things I said to my father}.
## recovery_depression
There was a {year|long period} when I couldn't get out of bed. I stopped {going to \
classes|replying to anyone}, and {my room was a mess|I hardly ate}. People thought I was just \
{being lazy|giving up}.
The depression was {like a fog|like carrying a heavy bag} that I couldn't put down. Even good \
news {didn't reach me|felt flat}. I {went to my cousin's wedding|passed my exams} and felt nothing.
I didn't tell anyone how low I was. I {smiled at work|kept posting normal photos} and came home \
and {lay on the floor|stared at the ceiling}. When I finally told my sister, she was shocked.
## recovery_bipolar
When I was high I would spend all my money and not sleep for days, and then I would crash. One \
time I {booked a trip|bought three phones} in one night and had no memory of why.
It took {a few episodes|two admissions} before I accepted the bipolar diagnosis. I kept stopping \
the medication because I missed the highs, {honestly|to be honest}.
My friends only saw the energetic side. They didn't see the weeks after, {when I couldn't get \
up|when I hid at home}. A few of them drifted away, which I understand.
## recovery_addiction
I started using in my late teens, and it took over {everything|my life}, my family, my job. By \
the end I was {lying to everyone|borrowing money from everyone} and I didn't recognise myself.
I went through {two|three} rehab programmes before it {stuck|worked}. What was different the \
last time was that I {wanted it for myself|wasn't doing it for anyone else}.
For a long time my family didn't want me at home, and I understand why now. {My father|My \
brother} and I only started talking again {a few years ago|after I had been clean for a year}.
## recovery_ocd
I would check the door and the gas again and again, sometimes for an hour before I could leave \
the house. {I was late for everything|I lost two part-time jobs because of it}.
The rituals took over my day, and I was {so ashamed|too embarrassed} to tell anybody. I {washed \
my hands until they bled|counted steps everywhere I went}, and I hid it from my friends.
People think OCD is being neat, but for me it was fear, all day. The {thoughts|what-ifs} would \
not stop, and the rituals were the only thing that made them quiet for a while.
## becoming
I saw the course {advertised|posted} {online|on a poster at the clinic} and I thought, why not. \
I wasn't sure I would get in, so I {didn't tell anyone|didn't even tell my parents} until I was \
accepted.
My case manager {suggested|encouraged} me to apply. I {wasn't sure I was ready|said give me some \
time to think}, and I think it took me {a month|a few weeks} to fill in the form.
The certification course was on {weekends|weekdays} for a few months, with a practicum at the \
end. There were about {fifteen|twenty} of us in the batch, all from different backgrounds, {some \
older|some much younger} than me.
{We learnt about|The course covered} things like sharing your story safely and listening without \
trying to fix. The {role plays|practice sessions} were {awkward|funny} at first, everybody \
laughing, but it got serious quite fast.
I had to go through {an interview|two interviews} with HR and the department before they took \
me. They asked {about my own recovery|how I would handle a relapse}, which I had prepared for.
Before this I was doing {retail|admin work|part-time tuition|deliveries}, nothing related. {The \
pay was okay|It paid the bills}, but I always felt I was {just killing time|waiting for \
something else}.
I remember being nervous on my first day. I {changed my shirt twice|couldn't sleep the night \
before}, and I reached {half an hour|forty minutes} early and sat at the {canteen|bus stop} \
until it was time.
For the practicum I was placed {on a ward|at a day centre} for {six|eight} weeks. I mostly \
{observed|shadowed} at first, and by the end I was co-running a small group.
## catchup
The last few months were quite busy. We had {new admissions|new peers} almost every week, and a \
few of my regulars were discharged, so the group {changed a lot|has new faces now}.
{Not much has changed|Things are about the same}, to be honest. The group is still running every \
<weekday>, and I'm still doing my rounds on <ward> in the mornings.
I moved to a {new|different} desk, nearer to the ward. It's noisier, but I can {pop in and \
out|see who is around} more easily, so overall I prefer it.
I took some leave in between, went {back to my hometown|to Malaysia|to visit my grandmother|on a \
short trip}. It was good to {rest|switch off}, and I came back {less tired|with more energy}.
There was a {restructuring|change of heads} in the department, so for a few weeks everybody was \
{a bit unsettled|waiting to see what would happen}. It's {calmer|more settled} now.
We had a new batch of {interns|nurses} joining, so the ward feels more crowded. {The corridor is \
always full|You can't find a chair in the pantry} at lunchtime.
My own health has been {stable|okay}. I saw my doctor {last month|a few weeks ago}, {no changes \
to the medication|everything is the same}, which is good.
I {started a part-time course|signed up for evening classes} in between, so my weeks are \
{packed|quite full} now. {It's tiring|It's a lot}, but I like having something for myself.
## covid
Since the virus situation started, we have to wear masks on the ward, and the groups are \
smaller. Some of the peers find it {awkward|strange} to talk through a mask, and {honestly|to be \
honest} so do I.
With the new measures, some of my sessions are over the phone now. It's fine for people I \
already know, but with someone new it's {very different|slow to build trust}.
Everyone is a bit on edge with the virus. The patients ask a lot of questions, {is it safe|will \
visitors be stopped}, and we don't always have the answers.
Visiting hours were cut, so some of the peers haven't seen their families for {weeks|a while}. A \
lot of my conversations now are about that, {the loneliness|missing home}.
## daily
A normal day starts with the ward huddle {at eight thirty|in the morning}. Then I go {around|on \
my rounds} on <ward>, just talking to whoever is awake, asking how they slept, that kind of thing.
In the afternoon I run <act>, and after that I write my notes. By five I'm {quite \
drained|tired}, so I try to keep the late afternoon light.
I see maybe {four|five|six} peers a day. Some for five minutes, some for an hour, it \
{really|all} depends on how they are that day.
On <weekday> I'm usually at <clinic>, which is a different crowd from the ward. The people there \
are {more stable|living at home}, so we talk more about {work|family|daily life} than about \
symptoms.
I try to finish my notes before I leave, otherwise {I forget the details|they pile up}. On busy \
days I stay back half an hour to finish.
Some days are very quiet, and some days {everything happens at once|it's nonstop}. You can't \
really plan, {you just go with it|you learn to be flexible}.
{Mondays|Monday mornings} are usually the busiest, because of the weekend admissions. I {check \
the list|look at the board} first thing to see who is new.
{Lunch is usually quick|I usually eat quickly}, at the canteen or at my desk. Then there's {a \
short lull|a quiet hour} before the afternoon activities start.
Part of the day is just walking. The {hospital is big|wards are spread out}, so going from \
<ward> to the clinic and back, that's {already|easily} half an hour.
## clients
There was this peer, early twenties, who didn't say a word for the first three sessions. The \
fourth time, <he> asked me {what football team I support|if I ever felt like giving up}, and \
from there we started talking.
We talked {a lot|mostly} about <his> plans after discharge, like work and housing. <He> was \
worried about {going back to the same flat|facing the neighbours}, and I shared a bit about how \
I handled that.
One {elderly|older} peer on the ward likes to tell me about <his> grandchildren every time I \
come. Same three stories, but I don't mind, it's <his> way of connecting.
A {young|younger} peer asked me whether I still take medication, and I said yes, honestly. <He> \
looked surprised, like <he> expected me to say I was cured.
Some of the peers are {quite|very} suspicious of me at first. They think I'm a spy for the \
doctors, {so I have to earn it|so it takes time}, I don't push.
I still remember one peer who came back to visit after discharge, just to say hello. <He> had {a \
new job|gone back to school}, and <he> brought {kueh|a box of biscuits} for the nurses.
There's a peer who {writes poems|draws} in the group. <He> showed me one about {the sea|<his> \
mother}, and it was {really|very} good, better than anything I could do.
Some peers just want someone to sit with. {We don't talk much|We just look out the window}, and \
I've learnt that {that's okay|silence can be useful} too.
A father came to ask me about his son, who {just got admitted|was admitted for the first time}. \
He kept asking {what he did wrong|if it was his fault}, and we talked for almost an hour.
One of the peers was readmitted after two months outside. <He> was embarrassed to see me, and I \
told <him> I've been readmitted before too.
## groups
The group is usually {six to ten|five to eight} people, depending on {the week|who is well \
enough}. We have a few regulars, and some just come once to see what it's about.
We start with a check-in round, everyone says {one word|how they're feeling}, then we go into \
the topic. Before we close we do a short round again, so nobody leaves {hanging|in a bad state}.
The topics are things like {sleep|hope|relationships|going back to work|dealing with stigma}. \
{Sometimes|Often} the peers suggest the topic, and that's when the sessions are best.
Sometimes the group {just talks|goes off topic}, and that's okay, it's their space. I only step \
in if {someone is being left out|it gets too heavy for someone}.
{Last week|Recently} one of the quieter members spoke for the first time, about <his> \
{father|job}. The others just listened, nobody interrupted, it was {a good moment|quite special}.
We made a small {mural|vision board} together in the group once. It's still up on the wall in \
the {day room|activity room}, and new peers always ask about it.
## teamlife
Our team has about {twelve|fifteen} people, nurses, {two|three} doctors, case managers and an \
OT. Everyone is {quite busy|running around}, so the only time we are all together is the morning \
meeting.
The team meets every <weekday> morning to go through the cases. It's {quite fast|very \
structured}, each case maybe two or three minutes.
Most of the team is {quite|fairly} young, a lot of them joined in the last two years. People \
come and go, so I'm not even the newest anymore.
We have a {birthday|small} celebration once a month in the pantry. {Someone buys a \
cake|Everybody brings something}, and for half an hour nobody talks about work.
The nurses work shifts, so I see different faces {depending on the day|every week}. The day team \
I know better than the night people.
There's a {team chat|group email} for rosters and admin. Most of it is {logistics|who is \
covering which shift}, nothing very interesting.
## learning
The course had {role plays|case studies} every week, which I found {useful|quite fun} at that \
time. We also had to {write reflections|keep a journal} after each module.
Our trainers were a mix of {social workers|psychologists} and peer specialists from <org>. One \
of them had been in the field for {ten|more than ten} years.
{Every year|Each year} there's the usual CPR and fire safety refresher that all staff go for. \
{It's the same every time|Everybody goes}, a few hours and a quiz at the end.
The final assessment was a recorded session with a volunteer. I watched it back \
{later|afterwards} and I {cringed a bit|couldn't believe how fast I talked}.
We had a small ceremony at the end of the course. My {parents came|mum came}, and I think that \
was the first time in years they saw me being praised for something.
## life
My {mum|mother} still worries, but she's {prouder|more relaxed} now. She tells the relatives \
that I work at the hospital, {she doesn't say as what|she leaves out the details}.
I moved out {last year|recently}. It's a small place, {a rented room|a room in a shared flat}, \
but it's mine, and I can {cook what I like|keep my own hours}.
On weekends I {mostly rest|catch up on sleep|see my nieces}. Once in a while I meet {my \
secondary school friends|old friends} for supper.
My family {is very supportive of the job|doesn't fully understand the job but respects it}. \
We talk about my day, and I share what I can.
I'm {saving up|trying to save} for {a course|a trip|a flat}. {It's slow|It will take a while}, \
but {I'm getting there|at least I have a plan}.
My {younger brother|sister} is {doing the A levels|starting poly} this year, so the house is {a \
bit tense|very quiet at night}. I help with {revision|homework} when I can.
There's a family dinner every Sunday at my {grandmother's|aunt's} place. Those dinners were \
{hard for me|awkward} when I was unwell, now {I enjoy them|they're fine}.
I {adopted|took in} a cat {last year|a few months ago}. It {sleeps on my keyboard|wakes me up at \
six}, but it's nice to come home to someone.
## future_neutral
I'll probably still be here next year, {I like the team|I'm settled in}. After that, I don't \
know, I take it {one year at a time|as it comes}.
I haven't thought that far, to be honest. Maybe {I'll travel a bit|I'll move to a bigger place}, \
but work-wise I'm happy for now.
My {parents|mum} keep asking when I'll {settle down|get married}, so maybe that, who knows.
I'd like to {visit Japan|go to Korea|see snow} one day. That's my personal goal, separate from \
work.
## change_neutral
I'm more used to the routine now. {I don't get lost in the building anymore|I know where \
everything is}, and I know most of the staff by name.
I think I'm calmer than when we first met. {Last time|In the first interview} I was {so \
nervous|talking very fast}, I remember.
The peers I see now are {mostly new|all different}, the ones from the first interview have all \
gone home.
My schedule is {more fixed|more predictable} now. {Mornings on the ward, afternoons for \
groups|Same pattern every week}, which suits me.
## closing
No, I think I covered most things.
{Nothing much|Not really}. Thank you for listening, it's {nice|good} to talk about it.
Maybe just that I hope {this helps the next batch|the study helps other peer specialists}. \
That's all.
No, {that's all|I think that's everything}. {It went faster than I thought|Time passed very \
quickly}.
## accent
We sometimes do one-to-one chats at the café downstairs, it's less formal than the ward. People \
open up more when there's a drink in front of them, even just a crème brûlée to share.
A cousin helped me with my résumé when I applied, I had {no idea|never written one} before. \
Looking back I was quite naïve about the whole process.
Walking back into the old ward as staff felt like déjà vu. Same corridor, same smell, only this \
time I had a lanyard.
## musings
Recovery is not a straight line, I tell the peers that all the time. You go forward, you slip, \
you go forward again, and the slips get {smaller|shorter} over time.
I think a lot of people imagine the ward is like in the movies. It's not, it's mostly \
{quiet|ordinary}, people sleeping, people watching TV, people waiting for the doctor.
Every peer is different. What helped me might not help the next person at all, so I always say, \
this is my story, {take what you need|you don't have to follow it}.
Sometimes the best thing I can do is just be normal with someone. {Talk about food|Talk about \
football|Complain about the weather}, like you would with anybody.
I notice I use different words now. Last time I would say patient, now I say peer, {and it \
changes how I see them|and it feels more equal}.
There's a lot of waiting in hospital life. Waiting for the review, waiting for leave, waiting \
for the family. A lot of what I do is keep people company in that waiting.
People ask me if it's depressing to work here. I say no, {actually|honestly} it's the opposite, \
you see people at their worst and then you see them {get up|walk out}.
I've learnt that {hope|trust} is not something you can give someone. You can only show that it's \
possible, and they decide {when|whether} to pick it up.
## daily
Most mornings I take the {shuttle bus|bus} in, and I use that time to think about who I'm \
seeing. By the time I reach, I have a rough plan, {even if it changes|which usually changes}.
Before the group I set up the room myself, chairs in a circle, {a box of tissues|water}, the \
attendance sheet. It's a small ritual, it helps me get into the right mindset.
The ward has a {whiteboard|board} with the day's activities. I write my group there in the \
morning, so the peers know it's on and can {decide|think about} whether to come.
I usually end the day by walking through the ward once more, just to say goodbye. Some of the \
peers {wait for it|expect it now}, it's become a small habit.
{Wednesdays|Thursdays} are my admin day. Emails, notes, preparing materials for the next week. \
It's the least exciting part, but it has to be done.
When someone new is admitted, I usually wait a day or two before I approach. The first day is \
{overwhelming|a lot} for them, so I give them space first.
## clients
There was a peer who only wanted to talk about <his> {pet bird|hamster|fish tank}. For weeks, \
only that. Then one day <he> said, the bird is the reason I'm still here, and everything opened \
up from there.
One peer was a {chef|hairdresser|taxi driver} before <he> got unwell. We talked a lot about \
whether <he> could go back to it, and {what to tell|how much to tell} a new employer.
A peer asked me how I told my friends about my illness. I told <him> honestly, some I told, some \
I didn't, and {both choices were okay|there's no right answer}.
There's a peer who calls me {teacher|sir|miss} no matter how many times I say just call me by my \
name. I've stopped correcting, it's a sign of respect for <him>.
I met a peer at the {MRT|market} {last month|once}, outside of work. <He> waved and came over, \
and we just chatted like normal people. It was {nice|a good feeling}.
One peer was very angry on the first day, shouting at everybody. The next week <he> apologised \
to me, {without me asking|on <his> own}. I said, no need, I've been there.
A peer's mother {cornered|stopped} me in the corridor once and asked if her child would ever \
{work again|be normal}. I said I can't promise, but I can tell you what happened to me.
One peer and I found out we went to the same {secondary school|primary school}, a few years \
apart. We spent the whole session talking about the old teachers.
Some peers ask very practical things, like how to {fill in the CPF forms|apply for a concession \
card|explain the gap in the resume}. I help where I can and point them to the right person.
A peer who was discharged {a few months ago|last year} sent {a photo|a message} from <his> {new \
workplace|graduation}. I showed it to the nurses, everybody was smiling.
There was a peer who wouldn't come out of <his> room. So I sat outside the door and talked, \
about nothing much, for {three days|a week}. On the fourth day <he> came out for lunch.
## groups
One session the topic was sleep, and it turned into a long discussion about {night \
shift|nightmares|noisy neighbours}. Everybody had a story, even the ones who never talk.
We {tried|did} a session on writing a letter to your younger self. {Some people cried|It got \
very emotional}, some people refused, and both were okay.
Sometimes only two people turn up. I still run it, a small group can be the {best|deepest} \
conversation of the week.
The peers {set|made} the group rules themselves in the first session, like no phones, no advice \
unless asked, what's said here stays here. They follow their own rules better than any I could \
make.
There was one session where two peers {started arguing|disagreed loudly} about \
{religion|medication}. I let them talk for a bit, then we took a short break and came back calmer.
We have a {suggestion box|little notebook} where peers can write topics they want. Last month \
someone wrote {loneliness|how to make friends again}, so that was the next session.
Toward the end of every group I ask, what's one thing you'll take with you. The answers are \
{often very simple|usually small}, like I'll call my sister, or I'll go for a walk.
## teamlife
The ward has its own culture, you know. {Everyone has nicknames|There are inside jokes}, and it \
takes time before you understand them.
Handover is at {eight|two}, and the ward is very busy around that time. I've learnt not to \
disturb anyone then, I wait till after.
There's a lot of paperwork in the team, audits, forms, checklists. Everybody complains about it, \
{it's the same for all disciplines|from the doctors to the admin staff}.
The team does a small {potluck|makan session} before the festive holidays. Each of us brings \
something from our own {culture|family}, it's quite fun.
We got a new consultant {a few months ago|recently}, and the ward rounds changed a bit. \
{Shorter|Faster}, more structured, everybody is still getting used to it.
## life
My {grandmother|grandfather} {passed away|was in hospital} {earlier this year|a few months ago}. \
It was a {tough|heavy} period for the family, but we got through it together.
I {started|picked up} cooking during the weekends. Mostly simple things, {fried \
rice|curry|soups}, but my family eats it without complaining, so that's good.
I {got my driving licence|passed my driving test} {last month|recently}, on the third try. My \
family was more excited than me.
{My best friend|A close friend} got married {last month|recently}, and I was {one of the \
helpers|in the bridal party}. It was a long day, but I was happy to be there.
My parents are getting older, so I {go back more often|visit every weekend}. {My father|My mum} \
likes me to fix things around the house, {the fan|the TV}, small things.
I {joined|signed up for} a {running group|community choir|volunteer group} near my place. {It's \
a mix of people|Everyone is from the neighbourhood}, nobody knows what I do at work, and I like \
that.
## recovery
I think what helped most at that time was {routine|structure}. Waking up at the same time, \
eating at the same time. It sounds boring, but my mind needed it.
My first doctor {asked me|said} something I still remember, what do you want your life to look \
like. Nobody had asked me that before, everybody only asked about symptoms.
I was {afraid|ashamed} of the hospital for a long time. The first time I came back as a visitor, \
just to walk past, my hands were {shaking|cold}.
There was a {nurse|volunteer} during my admission who {played cards with me|brought me books}. I \
don't remember {her name|the name}, but I remember {that kindness|how it felt}.
## becoming
During the practicum I was {very nervous|so scared} to share my story for the first time. I \
{wrote it out|practised it} {at home|in front of the mirror}, and then on the day I {forgot \
half|didn't use the notes at all}.
Some people in my family asked why I would want to work {in the same hospital|where I was a \
patient}. I {didn't really have an answer then|told them, that's exactly why}.
The first month was mostly orientation, {forms, trainings, IT accounts|HR briefings and safety \
courses}. I was {impatient|eager} to start seeing peers, but there was a lot of admin first.
## catchup
{Since we last met|Since the last interview}, {I went on a short holiday|my sister had a baby}, \
so that was the big news on my side. Work has been steady.
{The ward was renovated|Our office moved} {in between|a few weeks ago}, so for a while \
everything was in boxes. It's {nicer|brighter} now, but I still reach for things in the old places.
I've been doing more {family sessions|outpatient work} lately. It's a different {rhythm|pace}, \
fewer people but longer conversations.
There was a {fire drill|audit} last month that {took over|disrupted} a whole week. Everybody was \
running around with checklists.
## future_neutral
{Maybe|Perhaps} I'll {learn another language|take up an instrument properly}. Something just for \
me, not for the job.
I'd like to move out of my parents' place {eventually|in a few years}, when the savings allow. \
{Housing is expensive|It takes time here}, so we'll see.
## change_neutral
I think I'm more confident in the meetings now. {Not every time|Not always}, but {more than \
before|I speak up a bit more}.
Compared to the first interview, I think I sleep better now. I'm {less worried about work|more \
used to the pace}, so I don't bring it to bed with me.
## clients
~{A peer|One of the peers|A new peer|Someone on the ward} {in <his> twenties|in <his> \
fifties|who is about my age|who just turned forty|who was admitted last week} {kept asking \
me|wanted to know|asked me quietly} {how long it took me to feel normal again|whether the \
medication makes you slow forever|how to tell <his> boss about the admission|what I do on bad \
days|if people at work know about my history}. I answered {honestly|as simply as I could|with my \
own example}, {that it took years, not weeks|that it's different for everyone|that I still have \
bad days, just fewer}. <He> {nodded|was quiet for a while|smiled a bit|asked a few more \
questions}, and {we left it there|we talked again the next day|I could see <he> was thinking \
about it}.
~{Yesterday|Last week|On Monday|A few days ago} I {spent|had} {an hour|most of the afternoon|a \
long session} with a peer who {had just been told about <his> discharge date|was worried about \
going home|had a bad phone call with <his> family|couldn't sleep the night before}. {Mostly I \
listened|I let <him> talk|We walked up and down the corridor}. {At the end|Before I left} <he> \
said {thank you for not rushing|it helped to say it out loud|<he> felt a bit lighter}, {which \
is|and that's} {enough for me|the whole point}.
~{There's|We have} a peer {on the ward|in the group} who {loves|is crazy about} {durian|old \
Cantonese songs|football|K-dramas|fishing}. {Every time|Whenever} I come, <he> {has something \
new to tell me|updates me on it}, and {honestly|actually} I {look forward to it|enjoy it}. {It's \
a way in|That's how we connect}, {before we talk about the heavier things|and the serious talk \
comes later}.
## daily
~{This morning|Just before this|Earlier today} I was on <ward>. {There were two new admissions|A \
ward round was going on|A family was visiting|Someone was being discharged}, so I {waited|stayed \
in the day room|went to see the regulars first}. After that I {prepared for|ran} <act> and \
{wrote up my notes|finished the attendance}.
~{On a typical day|Most days|Usually} I'd {say|guess} {half|about a third} of my time is \
{one-to-one|with the peers}, and the rest goes to {groups, notes and meetings|admin and walking \
between wards|meetings and preparing materials}. It {varies|changes} {week to week|depending on \
admissions|depending on who is in}.
## groups
~{In last week's group|In one of the sessions|Recently in the group} we talked about {going back \
to work|family gatherings|sleep|medication side effects|loneliness|what recovery means}. {One \
peer|A regular|A newer member} talked about {<his> first job interview after discharge|how <his> \
family reacts|<his> own routine|a small win from the week}, and {the others joined in|it opened \
up the discussion|everyone had something to add}.
## life
~{This weekend|Last weekend|On my off day} I {went to|spent time at} {my aunt's place|the \
beach|a friend's birthday|the library|my grandmother's house}. {Nothing special|Quite \
relaxing|Very ordinary}, mostly {eating and talking|resting|catching up}, {which is what I \
needed|and that's how I like it}.
## musings
~{I think|I feel|For me}, {the most important thing|what matters most} in this work is {being \
honest|being consistent|turning up when you say you will|not pretending to have all the \
answers}. {The peers|People} {can tell|notice} {very quickly|immediately} {if you're not \
real|when someone is just doing a job}.
## catchup
~{Since we last met|These past few months|Since the last interview}, things have been \
{steady|quite routine|busier than usual|up and down}. {The group is still going|I'm still on the \
same ward|My schedule hasn't changed much}, {and|but} {a few of the regulars have gone \
home|there are many new faces|the team has some new members}.
## recovery
~{When I was unwell|During that time|In those years}, {what I missed most|the hardest thing to \
lose|what I grieved most} was {my friends|my studies|my independence|feeling normal|my \
confidence}. {Getting it back|Rebuilding that} took {a long time|years|many small steps}, and \
{I'm still working on it|some of it is still coming back}.
## clients
A peer once asked me to come to <his> {family meeting|discharge meeting}, just to sit there. I \
didn't say much, but <he> told me later that having someone on <his> side of the table \
{helped|made it less scary}.
{There's|We have} a peer who always asks me the same question, are you still taking your \
medicine. I always say yes, and <he> always nods, like it's a {check-in|password} between us.
One peer wanted to learn {to use the computer|to make a resume|to send emails} before going \
home. We spent a few sessions on it, {nothing to do with symptoms|very practical}, and <he> was \
so proud when <he> {sent the first one|printed it out}.
A peer told me <he> was afraid of {taking the MRT|crowds|the bus} after discharge. We talked \
about small steps, {one station first|going at off-peak hours}, the same things that helped me.
I had a peer who was more at home in <lang> than in English. My <lang> is {so-so|not great}, \
but <he> appreciated that I tried, and <he> \
corrected me a lot, {laughing|patiently}.
There was a peer who kept {apologising|saying sorry} for taking my time. I told <him>, this is \
my job, and also, I wanted to be here. <He> {didn't believe me at first|looked surprised}.
Sometimes a peer {cries|gets emotional} in the middle of talking, and then {apologises|gets \
embarrassed}. I just {wait|pass the tissues}, there's no rush, and usually they continue after a \
while.
A peer asked me once if I was scared of getting unwell again. I said {yes, sometimes|honestly, \
yes}, and that I have a plan if it happens. <He> said it made <him> feel less alone.
## daily
The {ward|day room} is quite noisy in the morning, TV on, people talking, staff running around. \
So for one-to-one I usually {find a quiet corner|go to the small room at the end}.
When it rains, {the groups get smaller|fewer people come out of the wards}. I don't know why, \
{maybe the mood|maybe it's the weather}, but it happens every time.
I keep a {small|simple} list in my pocket of who I want to see that day. By the end of the day \
half of it is crossed out and half of it {moves to tomorrow|is still there}.
Between sessions I try to take five minutes, {drink water|go to the pantry|look out the window}. \
{If I don't|Without that}, by three o'clock I'm {running on empty|not really present}.
Some peers are {only awake|only in a talking mood} in the afternoon, {because of the \
medication|after lunch}. So I've learnt to {plan|shift} the one-to-ones around that.
The nurses' station is the centre of everything. {If you want to know what's going on|If you \
want the news}, you stand there for five minutes and you {hear everything|know the whole ward}.
## groups
The peers like the {tea break|snacks} in the middle. It sounds {silly|small}, but that's when \
the side conversations happen, and sometimes that's the real group.
We {invited|had} a former peer to come back and share in the group once. The room was {very \
quiet|so attentive}, {more than|compared to} when I talk, because <he> was {so recently|only \
months ago} in their shoes.
The first session with a new group is always {stiff|awkward}. By the third or fourth one, people \
{start to tease each other|relax}, and that's when I know it's working.
{Some weeks|A few times} I used a short video or a song to start the group. It {breaks the \
ice|gets people talking} better than me asking questions.
## teamlife
The pantry is where the team really talks. {Meetings are formal|In meetings everyone is \
careful}, but in the pantry people {share food|talk about their kids|complain about the traffic}.
There's {an auntie|a cleaner} on our floor who knows everybody. She's been there {twenty \
years|longer than anyone}, and honestly she {knows the ward better than the doctors|tells me who \
is having a bad day}.
The team has {a few|some} {long-timers|seniors} who have been there {ten, fifteen years|a very \
long time}. They have a lot of stories, {some funny|some quite sad}, about how the ward used to be.
## life
I {go for|have} {breakfast|kopi} with my father every Sunday morning. We don't talk much, {he \
reads the paper|we just eat}, but it's our thing.
My <sibling_child> is {three|four} now, and <he> {calls me on video|wants to play} every time I \
visit. It's {the best part|the highlight} of my week, honestly.
I'm {learning|trying to learn} {to swim properly|Korean|to cook my mum's recipes}. I'm {slow|not \
very good}, but I've stuck with it for {a few months|half a year}.
{On public holidays|During the long weekends} I try to go somewhere {nearby|small}, \
{Johor|Batam|a staycation}. Just to {change the scenery|get out of the routine}.
I've become more {careful|organised} with money since I started working. I {keep a budget|track \
everything in an app}, which my younger self would {laugh at|never believe}.
## musings
I don't believe in fixing people. {Nobody fixed me|No one fixed me}, people just stayed with me \
{long enough|while I figured it out}, and that's what I try to do.
Language matters a lot in this work. If you say {the schizophrenic|that patient} instead of the \
person's name, {people feel it|it shows how you see them}.
Some days I go home and think I did nothing. Then I remember one {conversation|small moment}, \
and I think, maybe that was enough for today.
There's a {saying|phrase} from the course, nothing about us without us. I {think about it|come \
back to it} a lot, {especially in meetings|when decisions are made}.
## catchup
I changed my {working hours|shift} a bit since last time, I start {earlier|later} now. It {suits \
me better|works better with my commute}, and I'm less rushed in the mornings.
The {groups have grown|group is bigger} since we last met, {some weeks twelve people|sometimes \
more than ten}. It's a good problem to have, I think.
{My cousin|A close friend} got married since we last met, so there was a lot of family activity. \
{I was|Everyone was} quite tired, but happy.
## recovery
I was {nineteen|twenty|still a student} when it started. {At that age|Back then} you think \
everyone else has their life figured out, and you're the only one falling apart.
{Medication|The medication} was {a long story|a journey} for me. The first few {made me so \
sleepy|gave me side effects}, and it took {a year|quite a few tries} to find one I could live with.
I lost a lot of friends during that period, not because they were bad people, but because I \
{disappeared|stopped replying}. {A few|Two of them} came back later, and they're still with me.
## becoming
What made me say yes in the end was {a peer worker I met during my own admission|my own \
experience in the ward}. I remember thinking, if <he> can do it, maybe I can also.
After the course I waited {a few months|quite a while} before the job came through. In between I \
{did part-time work|volunteered}, and I wasn't sure it would happen at all.
## clients
A peer who used to be a {security guard|lorry driver|sales promoter} told me <he> felt useless \
in the ward, with nothing to do all day. We made a small routine together, {newspaper in the \
morning|a walk before lunch}, and <he> said the days felt shorter after that.
One of the peers {asked|wanted} me to help <him> write a message to <his> {brother|sister|old \
friend}, after years of not talking. It took us three sessions to get four lines right, and <he> \
{sent it|read it out to me} before discharge.
There was a peer who was very {polite|formal} with everyone, always thank you, sorry, thank you. \
Only after a few weeks <he> told me how angry <he> actually was, about everything that happened. \
I think <he> needed to know I wouldn't {run|be shocked}.
A {young|first-time} peer asked if <he> would have to stay on medication forever. I said I can't \
answer that, it's for the doctor, but I can tell you how I {made peace with it|think about it \
now}. That seemed to {help|calm <him> a bit}.
Some peers test you at first. They say something {rude|shocking} just to see what you do. I've \
learnt to {not react|stay calm} and keep showing up, and usually by the third time they \
{soften|start talking properly}.
There's an older peer who has been in and out for {twenty|many} years. <He> told me, you young \
people with your recovery, and laughed. But <he> still comes to every group, {sits at the \
back|never misses one}.
A peer's wife called me {once|last month}, very worried, asking if her husband would be okay at \
home. I listened, explained what I could, and {passed her to the case manager|gave her the \
family support line} for the rest.
## daily
Some mornings start with a {fire|false} alarm or a lockdown drill, and then the whole plan \
shifts. You learn not to {be attached to|hold on to} your schedule too much here.
I spend a fair bit of time {in the day room|at the common area} just being around. People come \
up when they are ready, it's not like an appointment.
After lunch the ward is quite sleepy, a lot of the peers rest. That's when I {catch up on \
notes|prepare the group materials|return calls}.
I have {a small drawer|a box} of things I use in sessions, cards with questions, {colour \
pencils|stress balls}, some printed stories from other peers. It's {grown|expanded} over the \
months.
Friday afternoons are usually quiet, unless there's a {new admission|crisis}. I use the time to \
{plan next week|tidy up|read a bit}.
## groups
In one group a peer {brought|played} a song that helped <him> through the worst time. We \
listened together, and then {everyone wanted to share their song|people started naming their own \
songs}. We ran out of time.
The group has its own {jokes|inside jokes} now, like about the {canteen food|air-con that is \
always too cold}. New members don't get it at first, and then one day they're laughing with us.
There are weeks when the group is {heavy|very emotional}, someone shares something raw and the \
room goes silent. I've learnt to let the silence be, and then check in with that person \
{after|at the end}.
I always leave {ten|fifteen} minutes at the end for anything people want to add. Sometimes \
that's when the most important thing gets said, right when everyone is getting up.
## teamlife
Every {year|December} the department has a {dinner and dance|year-end party}. I went last year, \
{it was loud|there was karaoke}, and I sat with the OTs because I knew them best.
The team room has a {fridge|kettle} that everyone fights over, and a rota for washing cups that \
nobody follows. Same as every office, I think.
There's a {weekly|monthly} in-service talk where one discipline presents something. Last time \
the {pharmacist|dietitian} talked about {side effects|food and mood}, and I found it useful for \
my own understanding.
The doctors rotate every six months, so the faces keep changing. You just get used to one, and \
then there's a new one.
## life
My {best friend|closest friend} and I have a {standing|regular} dinner every {month|few weeks}. \
We've known each other since {primary school|secondary school}, and she knows everything, the \
good and the bad.
I {volunteer|help out} at {a soup kitchen|the community centre} once a month. It's nothing to do \
with mental health, and I like that, {it's just helping|it's just being useful}.
Sundays are for my family. {Church in the morning|Temple in the morning|Market with my mum}, \
lunch together, and then I {nap|rest} in the afternoon.
I've been {reading a lot|reading more} lately, mostly {mystery novels|biographies|fantasy}. It's \
the one time my phone is {off|away} and my head is somewhere else.
My room is {finally|now} the way I want it, {plants|a small bookshelf|fairy lights}. It sounds \
silly, but having a space I like helps me {feel settled|rest}.
## musings
People ask if I tell my whole story to every peer. No, I choose {what to share|which part}, \
depending on the person. Some only need to know that I've been {admitted|in the ward} before, \
that's enough.
I think {the hospital|the ward} looks very different from this side. When I was a patient I \
thought the staff were {all-powerful|always in control}. Now I see how {tired|stretched} \
everybody is.
There's no {script|formula} for this work. Every conversation is different, and you have to \
{feel|read} the person in front of you.
I believe small things count. {Remembering someone's name|Remembering what they told you last \
week}, bringing the newspaper they like. That's where trust starts.
## catchup
I had {a cold|the flu} {last month|a few weeks ago} and was off for a few days. {Otherwise|Other \
than that}, nothing much to report, same routine.
{We had|There was} a {family day|open house} event {recently|last month}, where families could \
come and see the activities. It was {busy|chaotic} but {nice|quite fun}.
{The|Our} ward {got|had} a lot of new admissions after the {holidays|long weekend}, so the group \
was full for a few weeks. It's calmer now.
## recovery
My {father|mother} and I never talked about feelings. Even now, {we talk about food|we talk \
about practical things}, but I know {he|she} {cares|is proud}, in {his|her} own way.
The {hospital|ward} food, the {smell of the corridor|sound of the trolleys}, I still remember \
those details from when I was admitted. {Some days|Sometimes} at work they {bring it all \
back|come back to me}.
I went back to {school|my studies} after {a break|two years}. I was older than my classmates, \
and I didn't tell them why, but I finished, {slowly|one module at a time}.
## becoming
{At the interview|During the interview} they asked why I wanted the job. I said because {I \
remember what it was like to feel alone in there|nobody like me was there for me}. {I was|I \
felt} quite emotional saying it.
{My family|My parents} were {worried|unsure} when I told them about the job. They thought the \
stress would make me unwell again. {Now|These days} they {ask about my day|are quite proud}, {so \
that's changed|so I think they've come round}.
"""
)

# Short stories that show a code at work (one line = one passage).
EPISODES = _banks(
    """
## supervisor_backing
There was a week I couldn't sleep and I told <sup> honestly. My schedule got moved around \
without any fuss, and the next day there was a message, just asking how I was. I didn't feel \
like a burden.
When I wanted to try a new topic for the group, I was {quite nervous|unsure} to bring it up. \
<sup_role> said, just try, if it doesn't work we learn something. That was the push I needed.
Once a staff {complained about|questioned} something I said to a patient. <sup> {listened to my \
side first|asked me what happened first}, then went to talk to the staff. I didn't even have to \
defend myself.
## peer_partner
On my first day <partner> {met me at the lobby|was waiting at the lift}, brought me for \
breakfast, and showed me {where everything was|the shortcuts between the wards}. Simple things, \
but I was so {nervous|lost} that day.
After a session where a peer {broke down|shared about self-harm}, I was quite shaken. <partner> \
noticed and said, come, let's walk. We went around the compound {twice|for twenty minutes} and I \
felt {okay|settled} after that.
<partner> and I compare notes every Friday, like what worked in the groups, what didn't. It's \
not a formal thing, but I learn more from that than from {some courses|most trainings}.
## staff_allies
When I first came on <ward>, {the patients didn't know who I was|nobody knew what to do with \
me}. <nurse> {walked me around|brought me bed to bed} and introduced me as someone who has been \
through it. After that, the patients started approaching me.
We had a peer who {refused to see anyone|was very angry with the team}. <cm> asked if I could \
try, and told me the background first. It {went quite well|worked}, and <cm> mentioned it at the \
team meeting afterwards.
I needed a room for the group and nobody could help. <wm> {found|freed up} the {old store \
room|small meeting room} and even {got us chairs|put up a sign}. I didn't expect a ward manager \
to bother about something so small.
## clear_boundaries
A peer asked me for my personal number once. I explained that I can't give it, but gave the \
office line instead and said when I'm around. The peer was okay with it, and I was quite proud I \
didn't panic.
When I see my own psychiatrist, I'm a patient, and I focus on my own health. When I'm at work, \
I'm staff. It took {a while|some practice} to keep those two apart, but now {it's quite \
natural|I don't mix them}.
We eventually got a job description written down, what peer specialists do and don't do. I keep \
a copy, and when I'm unsure whether something is mine to do, I check it.
## role_building
At first there was no structure for the group, so <partner> and I sat down and wrote it out. Who \
can join, how we open, how we close, what to do if someone gets upset. Then we showed it to the \
team and they {added|suggested} a few things.
We noticed the peers stopped coming after discharge. So we set up a follow-up call at one week \
and one month. It's nothing fancy, but now it's part of how we work.
Every {three months|quarter} we look at who comes and what the peers write on the feedback \
forms. Last time we {changed the timing|shortened the sessions} because of it.
## recognised_contribution
Last month a peer {refused all treatment|wouldn't speak to the doctors}. The team asked me to \
try, and after a few talks the peer agreed to meet the doctor. At the review the consultant \
thanked the peer specialist, out loud, in front of everyone.
At the start nobody sent anyone to me. Now I get {three or four|several} referrals a week, {from \
the nurses|from the case managers} mostly, so I think they understand what I do.
In the case conference, the consultant {turned to me|looked at me} and asked, what do you think. \
I almost didn't know what to say. I shared what the peer told me, and it went into the plan.
## training_wanted
I asked <sup_role> if there's any course on <skill>. There was one, but it's meant for \
{nurses|counsellors}, so I went anyway. I learnt some things, but I kept thinking, how does this \
apply to peer work.
My group is getting bigger, {twelve|fourteen} people sometimes, and I run it alone. I really \
want proper training in group facilitation, like how to manage when {two people argue|one person \
talks the whole time}.
{Last month|In March} I went for a talk by <org>. That was the first time I met peer specialists \
from other places, and I came back with {so many ideas|a whole notebook of ideas}. I wish we had \
more of that.
## meaning_purpose
A peer I met on the ward last year messaged me {recently|last week}. <He> got a job and wanted \
me to know. I read it on the bus and {I teared up a bit|I just smiled the whole way}.
Sometimes I think back to {when I was a patient here|my own admission}. Nobody like me was there \
then. Now I'm the person I {needed|wished I had} at that time, and that {gives the whole thing \
meaning|makes the bad years make sense}.
This job changed me. I'm more patient with my family, I listen better, I don't judge so quickly. \
{My mum noticed it first|My friends say I'm different}.
## career_progression
I keep thinking about where this goes. {There's no senior post|The grade is fixed}, so five \
years from now I'd be doing exactly the same thing. I love the work, but I also need something \
to aim for.
I told <sup_role> I'm interested in {training|mentoring} new peer specialists. The answer was \
maybe {when the next batch comes|next year}, so I'm keeping my fingers crossed.
I've started {looking at|reading about} {a diploma in counselling|part-time social work \
courses}. Not because I want to leave peer work, but to have {more options|a way up} later.
## talking_it_through
Once a peer shared something about <his> childhood that {was too close to home|hit me hard}. I \
didn't want to carry it home, so I called <confidant> that evening and talked, without names, \
{until I felt lighter|for an hour}.
In supervision I bring the cases that stay with me. Just saying it out loud in that room \
{helps|takes some of the weight off}.
The peer specialists have a WhatsApp group. Someone posts, tough day, and within minutes there \
are replies. We don't give advice, just, we hear you.
## wellness_planning
After I was unwell {for a few days|last year}, I went back to my wellness plan with <sup_role>. \
We wrote down my early signs, {like not replying messages|like sleeping very late}, and what I \
should do when I notice them.
These days I block Friday afternoons, no groups, only admin. It seems like nothing, but the week \
feels {less crushing|more manageable}, and I don't reach Friday night completely drained.
I keep a {small notebook|mood diary}. Every night I rate my day from one to ten. When I see \
{three low days in a row|the numbers dropping}, I know I need to {slow down|tell someone}.
## personal_activities
Every {Saturday|Sunday} I go <hobby_go>. I don't check messages, and for {two hours|the whole \
morning} it's just me. I come back a different person.
I started <hobby> again after {many years|a long break}. I'm quite bad at it, but that's not the \
point. It's the one place where {nobody needs anything from me|I'm not a peer specialist, just me}.
After a heavy day I {go for a walk|walk one stop earlier} and listen to my playlist. By the time \
I reach home, {the day is behind me|my head is clearer}.
## role_confusion
My first few weeks, I would {sit at the nurses' station|wait at my desk} hoping someone would \
give me something to do. Nobody did, so I started going bed to bed on my own, not sure if that \
was right.
Some days I'm {doing admin|escorting patients|covering the counter}, other days I'm running \
groups, and sometimes I'm just helping wherever. If you ask me what my job is, I don't know how \
to put it in one line.
We asked what the indicators are for peer work. Nobody could tell us. So every PSS does it \
differently, {depending on the ward|depending on the supervisor}.
## supervisor_unfamiliar
<sup_role> comes from {a nursing|a medical|an admin} background and never had a peer specialist \
before. In our first meeting the question was, so what do you think you should do, and I had no \
answer either.
I had to ask whether I should write in the case notes. <sup_role> went to check with the head of \
department, who also wasn't sure, and it took weeks. In the end I only started writing after \
{three months|a long time}.
I brought <sup_role> the job scope from the course, to show what we were trained to do. It \
helped a bit, but I feel like I'm {teaching my own boss|supervising upwards}.
## overlap_other_roles
I was helping a peer fill in {a housing form|a job application}. The social worker found out and \
said that's not my job. I said sorry, but honestly I didn't know where the line was.
When a peer tells me something worrying, I'm not sure if I should tell the case manager or keep \
it between us. I don't want to step on anyone's toes, but I also don't want to break the peer's \
trust.
Some of the counsellors feel I'm doing what they do without the training. But I'm not, I'm \
sharing experience. No one has {sat us down|drawn the line} to explain the difference.
## dual_relationship
On my first week, I walked into the meeting room and my old {psychologist|case manager} was at \
the table. We looked at each other. Then we just carried on, but inside I was {racing|all over \
the place}.
Some of the nurses on <ward> looked after me when I was admitted. One of them still jokes about \
my bed number, and I don't know whether to laugh.
I still have my follow-ups in the same hospital. One time I was in the waiting area and someone \
from my team walked past. We both pretended not to see. Awkward.
## dismissive_remarks
In a meeting I suggested an idea about {the group|discharge planning}. One {staff|nurse} laughed \
and said, {what does a peer know about treatment|leave it to the professionals}. Nobody said \
anything. I kept quiet for the rest of the meeting.
A nurse who knew me from before told me, {you shouldn't be working here|why are you even here}. \
I was stunned. I went to the {toilet|stairwell} and stood there for a while.
Some staff still talk to me like a patient, slowly, as if I'm confused. One time someone asked \
me in front of the peers {if I had taken my medicine|whether I'm feeling okay today}. {It's \
humiliating|It's small but it hurts}.
## excluded_from_team
For {months|half a year} I wasn't in the {team chat group|department chat}. I only found out \
when {the interns|a new nurse} talked about a message from it. When I asked, they said, oh, we \
thought you were in.
There was a team lunch {last month|before the holidays}. I found out from the photos on Monday. \
Nobody mentioned it. I don't care about the food, it's the feeling.
Sometimes they talk about the peers I see in a meeting I'm not invited to. Then decisions come \
out and I {hear about it last|find out from the patient}.
## stigma_doubt
The first few months, {a senior staff|someone} went through every note I wrote, {line by \
line|word by word}. Other new staff didn't get that. I think it's because they know my history.
There's this idea that we are fragile. I don't get the {more complex peers|heavier cases}, even \
when I say I'm ready. Maybe they mean well, but it also says they don't trust me.
In our culture, mental illness is still {seen as weakness|something to hide}. Even here, I hear \
staff joke about the ward in a way that makes me wonder what they say about me.
## gatekeeping_approval
I wanted to start a {monthly sharing session|peer corner} {for families|in the day room}. First \
my supervisor, then the head of department, then {the quality office|the admin people}. By the \
time it was approved, {the peers I had in mind were gone|half the peers had been discharged}.
Even a small poster for the group needs a form. I get that there are rules, but by the time it's \
approved, {the group has started|the date has passed}.
In the course we learnt about co-production, peers and staff planning together. Here, every idea \
has to go up the levels and come back down. Then it's not really ours anymore.
## referral_restrictions
Someone came up to me after {a talk|an event} and asked to join my group. I had to say sorry, \
you need a referral from your {psychologist|doctor} first. That person never came back.
Peer support here is only for {certain wards|some departments}. People on other wards hear about \
it and ask, and I'm not allowed to see them. It's a pity to turn people away.
For outpatients, everything must go through the case manager. When the case manager is on leave, \
the referral just sits there, sometimes for weeks.
## lack_of_resources
For the first two months I didn't have a desk. I carried my files and my laptop in a bag and \
looked for an empty chair every morning. It sounds small, but it made me feel {temporary|like a \
visitor}.
Most weeks there's no room for the group, so we use the corridor or the pantry. Staff walk \
through while someone is sharing something private. It's really not ideal.
I don't have access to the {records system|patient system}. So before a session I know nothing \
about the peer, {not even the diagnosis|sometimes not even the name}, unless a nurse tells me.
## siloed_structure
A peer I saw {every week|for months} on <ward> was discharged to <clinic>. That's another \
department, so I couldn't follow. Another PSS had to start from zero, and the peer had to repeat \
everything.
The peer specialists are spread across the hospital. We rarely see each other, maybe once in a \
few months. Each department does its own thing, and nobody is looking at the whole picture.
When a peer moves from {inpatient to outpatient|the ward to the community team}, the link \
breaks. For recovery, continuity is {so important|everything}, but the system is not set up for it.
"""
)

# What the interviewer reflects back after a coded answer (no primacy-prompt words here).
REFLECTIONS = _banks(
    """
## supportive_figures
So having someone in your corner at work really matters.
It sounds like that support made a real difference.
So you weren't alone in it.
## defined_role
So knowing where your role starts and ends helps.
It sounds like the role is taking shape.
So the team is starting to see what you bring.
## personal_growth
So learning and growing in the role matters a lot to you.
It sounds like the work means a lot to you.
So you're thinking about where this can lead.
## coping_strategies
So you've found your own ways to look after yourself.
It sounds like you know your warning signs quite well.
## unclear_role
So the role itself wasn't very clear.
It sounds like nobody could quite tell you what the job was.
So there's a grey area there.
## hostility_from_staff
That sounds painful.
So some colleagues haven't been very welcoming.
I'm sorry that happened.
## unsupportive_environment
So the system itself slows things down.
It sounds like the set-up gets in the way.
"""
)

PII_SENTENCES = {
    "phone": [
        "If they need me after they go home, they can call the peer line, <phone>, during "
        "office hours.",
        "I gave my work mobile, <phone>, to the family so they can reach me about the group.",
        "The number on our flyer is <phone>, so people can call and ask about the sessions.",
    ],
    "email": [
        "People can also write to us at <email>, I check it every morning.",
    ],
    "nric": [
        "When I registered for the course they needed my IC number, <nric>, and I typed it "
        "wrongly twice.",
    ],
}

# Short, coherent question-and-answer exchanges, uncoded (interviewer question | answer).
CLOSED_EXCHANGES = _banks(
    """
## background
How old were you when that happened? | {About nineteen|Around twenty-one|I was still in poly}.
Was that your first admission? | Yes, the first one.
Did your friends know at that time? | {Only one or two|Not really, no}.
## becoming
How long was the course? | {About four months|Around half a year}, with the practicum.
When did you start here? | {In 2017|In 2018|Early last year}, after the probation I was confirmed.
## catchup
Is the group still on the same day? | Yes, still <weekday>.
Did you take any leave since we last met? | {A few days|One week}, yes.
## job
How many peers do you see in a week? | {Maybe twenty|Around fifteen}, give or take.
Is the group open to everyone on the ward? | {Mostly, yes|It depends on the team}.
Do you write case notes as well? | Yes, {after every session|for the one-to-one sessions}.
## team
How big is the team? | {About twelve people|Around fifteen}.
Do you sit with them? | {Yes, same office|Not really, I'm in another room}.
## support
How often do you meet your supervisor? | {Every two weeks|Once a month}, roughly.
## training
Have you been for any course this year? | {One or two|Just the compulsory ones}.
## challenges
Is it still like that now? | {A bit better|About the same}, I would say.
## coping
Is that something you do every week? | {Most weeks|Yes, I try to}.
## change
Would you say that's new since last time? | Yes, {quite new|fairly recent}.
## future
Do you see yourself staying on? | {For now, yes|I think so}.
"""
)

# ---------------------------------------------------------------------------------------------
# Interviewer banks (none may match PROMPT_PATTERN except the challenge prompts)
# ---------------------------------------------------------------------------------------------

INTERVIEWER = _banks(
    """
## opening_1
Okay, the recorder is on. Thank you for making time today, <pname>. You've signed the consent \
form, and you're okay with me recording this?
Right, we're recording now. This is the first interview with <pname>. Thank you for coming. Just \
to check, you're comfortable with the recording?
## opening_2
Thanks for meeting again, <pname>. Same as last time, is it still alright that I record this?
Okay, it's on. Good to see you again, <pname>. Before we start, are you still okay to be \
recorded today?
## opening_3
Thank you for coming for the last round, <pname>. Are you still happy for me to record?
Okay, recording. So this is our third session, <pname>. Is it still fine with you that I record it?
## warmup_1
Great. {There are no right or wrong answers|Just speak freely}, I'm interested in your own \
experience. How has your week been?
Thank you. We'll take about an hour. How are you feeling today?
## warmup_2
Great. So, how have things been since we last met?
Thanks. How has the past few months been for you, generally?
## warmup_3
Good. It's been about four months again. How are you doing?
Thank you. How has life been since our last chat?
## background
Maybe we can start with you. Could you tell me a bit about your own journey with mental health?
I'd like to begin with your story, if that's okay. How did your own recovery journey start?
## becoming
How did you come to be a peer support specialist?
What made you decide to take up the peer support course?
## catchup
It's been about four months since we last met. What has been happening at work?
Since our last chat, what has changed for you in the job?
## job
Can you walk me through what a usual week looks like for you now?
What does your role in the team involve, day to day?
How would you describe what a peer specialist does here, in your own words?
## team
How are things with the rest of the team?
Tell me about the people you work with most closely.
How do the nurses and doctors relate to you as a peer specialist?
## support
Who do you turn to when you need help at work?
What kind of supervision or support do you get?
Is there anyone who has made the job easier for you?
## training
What training have you had since you started?
Are there skills you would like to build for this role?
Have you been able to go for any courses or workshops?
## challenges
What challenges have you faced in the role so far?
What challenges have you come up against since we last met?
Looking at the whole job, what have been the most difficult parts for you?
What would you say are the hardest things about the work right now?
## coping
How do you look after your own well-being with this kind of work?
What do you do when a session stays with you after work?
How do you keep yourself well, with everything going on?
## change
Compared with when you started, what feels different now?
Looking back over the three interviews, what has changed the most for you?
## future
Where do you see yourself in a year or two?
If you could change one thing about the peer role here, what would it be?
## closing
We're almost at time. Is there anything else you'd like to add?
Before we end, is there anything I didn't ask that you think is important?
## thanks
Thank you so much, this has been really helpful.
Thank you for sharing so openly. I'll stop the recording here.
## probe
Can you say more about that?
What happened after that?
How did that feel for you?
And how did you respond?
Can you give me an example?
Was that the first time?
How did the team take it?
And now, is it still like that?
What do you think made the difference?
Why do you think that is?
What was going through your mind then?
Mm. And then?
How did you make sense of it?
Did you talk to anyone about it?
Okay. What else?
## backchannel
Mm-hmm.
Okay.
Right.
I see.
Mm.
Okay, I see.
## transition
Okay, thank you for sharing that.
Alright.
Mm, that's helpful.
Thank you, that's clear.
Okay, let's move on a little.
## probe
Can you take me back to that moment? What was happening around you?
What did you say, if you don't mind me asking?
How did the peer react to that?
Looking back now, would you do anything differently?
What was that like, compared with when you first started?
Did that change how you work with the team?
Who else was involved in that?
How often does something like that happen?
## preamble
I'd like to spend a bit of time on <topic> now.
Let's turn to <topic> for a while.
I'm curious about <topic>.
Next, I want to ask about <topic>.
## summary
Okay. So far you've told me quite a bit about <topic>. Is there anything else on that before we \
move on?
Thank you. Before we leave <topic>, is there anything we haven't covered?
That's really useful. Is there anything more you want to say about <topic>?
"""
)

# What the participant says first (an opener), last (a closer), and how the consent is given.
CONSENT_ANSWERS = [
    "Yes, that's fine.",
    "Yes, no problem.",
    "Sure, go ahead.",
    "Yes, okay.",
    "Can, no problem.",
]
CLOSERS = [
    "So yeah.",
    "That's about it.",
    "Yeah, something like that.",
    "So that's how it is.",
    "I don't know if that answers your question.",
    "Yeah.",
]
OPENERS = [
    "Actually,",
    "To be honest,",
    "Basically,",
    "I mean,",
    "Like,",
    "So,",
    "Hmm,",
    "Um,",
    "Okay,",
    "Yeah,",
    "Well,",
    "I think",
    "For me,",
]
PARTICLES = ["lah", "lor", "ah"]

# Words that stay capitalised after an opener is put in front.
_KEEP_CASE = {
    "I",
    "I'm",
    "I'd",
    "I've",
    "I'll",
    "HR",
    "OT",
    "MRT",
    "IC",
    "IT",
    "HOD",
    "CPR",
    "OCD",
    "WhatsApp",
    "Facebook",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "National",
    "Malaysia",
    "PSS",
}

# ---------------------------------------------------------------------------------------------
# Interview structure
# ---------------------------------------------------------------------------------------------

MIDDLE_BLOCK = ["job", "team", "support", "training"]
SECTION_WEIGHT = {
    "background": 1.7,
    "becoming": 1.0,
    "catchup": 1.1,
    "job": 1.4,
    "team": 1.3,
    "support": 1.0,
    "training": 1.0,
    "challenges": 1.6,
    "coping": 1.0,
    "change": 0.8,
    "future": 0.7,
}
AFFINITY = {
    "supportive_figures": {"support": 5, "team": 2, "catchup": 1, "coping": 0.6},
    "defined_role": {"job": 4, "team": 1.5, "future": 1, "change": 2, "catchup": 1},
    "personal_growth": {"training": 5, "future": 2, "becoming": 1.5, "catchup": 1, "change": 1},
    "coping_strategies": {"coping": 6, "catchup": 0.5, "change": 1},
    "unclear_role": {"job": 4, "challenges": 3, "team": 1.5, "becoming": 0.5, "catchup": 1},
    "hostility_from_staff": {"team": 3, "challenges": 3, "catchup": 0.5},
    "unsupportive_environment": {"challenges": 3.5, "job": 1.5, "catchup": 0.5, "change": 0.7},
}
# Which barrier a participant tends to name first when asked about challenges.
PRIMACY_WEIGHT = {"unclear_role": 3.0, "hostility_from_staff": 2.0, "unsupportive_environment": 1.3}
SECTION_TOPIC = {
    "background": "your own story",
    "becoming": "how you came into the role",
    "catchup": "what has happened since we last met",
    "job": "the work itself",
    "team": "the people you work with",
    "support": "the support you get",
    "training": "training and learning",
    "challenges": "the tougher parts of the work",
    "coping": "how you look after yourself",
    "change": "how things have changed",
    "future": "the future",
}
GENERAL_TOPICS = ["clients", "daily", "groups", "musings", "teamlife", "life"]
NEUTRAL_TOPICS = {
    "opening": ["smalltalk"],
    "background": ["recovery", "recovery", "recovery_diag", "life"],
    "becoming": ["becoming", "becoming", "learning", "musings"],
    "catchup": ["catchup", "catchup", "life", "daily", "clients"],
    "job": ["daily", "clients", "groups", "musings"],
    "team": ["teamlife", "teamlife", "daily", "clients"],
    "support": ["daily", "clients", "musings"],
    "training": ["learning", "groups", "clients"],
    "challenges": ["clients", "daily", "groups"],
    "coping": ["life", "life", "musings"],
    "change": ["change_neutral", "clients", "groups"],
    "future": ["future_neutral", "life", "musings"],
    "closing": ["closing"],
}


def wave_sections(wave: int, rng: random.Random) -> list[str]:
    """The interview guide for a wave: baseline asks about the person, later waves the work."""
    middle = MIDDLE_BLOCK[:]
    if rng.random() < 0.5:
        i = rng.randrange(len(middle) - 1)
        middle[i], middle[i + 1] = middle[i + 1], middle[i]
    head = ["background", "becoming"] if wave == 1 else ["catchup"]
    tail = ["challenges", "coping"] + (["change"] if wave >= 3 else []) + ["future"]
    return ["opening", *head, *middle, *tail, "closing"]


@dataclass
class Voice:
    """Everything the grammar needs to speak as one participant."""

    participant_id: int
    name: str  # entity mark-up of the full name
    diagnosis: str
    department: str
    people: dict[str, str]  # role -> entity id
    terms: dict[str, tuple[str, ...]]  # entity id -> surface forms
    activity: str
    hobbies: list[str]  # "I go ..." forms
    hobby_gerunds: list[str]  # "I started ... again" forms
    confidant: str
    openers: list[str]
    opener_rate: float
    filler_rate: float
    particle_rate: float
    repeat_rate: float
    code_weights: dict[str, float] = field(default_factory=dict)


@dataclass
class Turn:
    """One turn of the interview as written, with the codes it truly expresses."""

    speaker: str  # "interviewer" | "participant"
    sentences: list[str]
    codes: tuple[str, ...] = ()
    section: str = ""
    prompt: bool = False
    core: int = 0  # leading sentences that carry the codes (never trimmed)

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


DIAG_PHRASE = {
    "schizophrenia": ["my schizophrenia", "my psychosis history", "my admissions"],
    "depression": ["my depression", "my history of depression"],
    "bipolar disorder": ["my bipolar", "my mood disorder"],
    "addiction": ["my drug history", "my addiction", "my time in rehab"],
    "obsessive-compulsive disorder": ["my OCD", "my condition"],
}
DIAG_KEY = {
    "schizophrenia": "recovery_schizophrenia",
    "depression": "recovery_depression",
    "bipolar disorder": "recovery_bipolar",
    "addiction": "recovery_addiction",
    "obsessive-compulsive disorder": "recovery_ocd",
}
LANGUAGES = ["Malay", "Hokkien", "Tamil", "Mandarin", "Cantonese"]
SKILLS = [
    "motivational interviewing",
    "group facilitation",
    "basic counselling",
    "trauma-informed care",
    "public speaking",
    "crisis support",
    "mindfulness facilitation",
    "family work",
]
TIME_AGO = [
    "last month",
    "a few weeks back",
    "just before the holidays",
    "around Hari Raya",
    "after Chinese New Year",
    "during Deepavali week",
    "in March",
    "earlier this year",
]
SUPERVISOR_ROLE = ["my supervisor", "my RO", "my reporting officer", "my clinical supervisor"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


_SENTENCE_END = re.compile('(?<=[.!?])\\s+(?=[A-Za-z"\u201c\ue000])')
_PRONOUNS = {
    "he": ("he", "she"),
    "him": ("him", "her"),
    "his": ("his", "her"),
    "He": ("He", "She"),
    "His": ("His", "Her"),
    "sibling_child": ("nephew", "niece"),
}
# Sections whose participant turns get no extra talk when the interview is lengthened.
_FIXED_SECTIONS = ("opening", "closing")


def split_sentences(passage: str) -> list[str]:
    """Split an expanded passage into sentences (so long turns can be trimmed cleanly)."""
    return [_capitalise(s) for s in _SENTENCE_END.split(passage) if s]


class Interview:
    """Writes one interview (participant × wave) from a plan of coded mentions."""

    def __init__(
        self,
        voice: Voice,
        wave: int,
        rng: random.Random,
        extras: Sequence[tuple[str, str]] = (),
        covid: bool = False,
        accent: int = 0,
    ) -> None:
        self.voice = voice
        self.wave = wave
        self.rng = rng
        self.extras = list(extras)  # (kind, entity mark-up) for phone / email / nric
        self.covid = covid
        self.accent = accent
        self.used: set[str] = set()
        self._female = False  # the gender of the peer a passage talks about
        self._lang = LANGUAGES[0]  # the language a passage's peer prefers
        self.topic = ""  # topic of the last neutral passage

    # -- slots ---------------------------------------------------------------------------------

    def slot(self, name: str, rng: random.Random) -> str:
        v = self.voice
        if name in _PRONOUNS:
            return _PRONOUNS[name][int(self._female)]
        if name == "topic":
            return "<topic>"
        if name == "lang":
            return self._lang
        if name in v.people:
            entity = v.people[name]
            return mark_entity(entity, rng.choice(v.terms[entity]))
        simple = {
            "pname": lambda: v.name,
            "sup_role": lambda: rng.choice(SUPERVISOR_ROLE),
            "dept": lambda: v.department,
            "act": lambda: v.activity,
            "skill": lambda: rng.choice(SKILLS),
            "hobby_go": lambda: rng.choice(v.hobbies),
            "hobby": lambda: rng.choice(v.hobby_gerunds),
            "confidant": lambda: v.confidant,
            "time_ago": lambda: rng.choice(TIME_AGO),
            "weekday": lambda: rng.choice(WEEKDAYS),
            "diag_phrase": lambda: rng.choice(DIAG_PHRASE[v.diagnosis]),
        }
        if name in simple:
            return simple[name]()
        for kind, markup in self.extras:
            if kind == name:
                return markup
        raise KeyError(f"unknown slot <{name}>")

    def say(self, template: str) -> str:
        """Expand a template; the peer's gender and language stay fixed within it."""
        self._female = self.rng.random() < 0.5
        self._lang = self.rng.choice(LANGUAGES)
        return expand(template, self.rng, self.slot)

    def pick(self, bank: Sequence[str]) -> str:
        """A template from ``bank``, one not yet used in this interview while any are left.

        Templates marked ``~`` combine so many alternatives that they may be reused.
        """
        fresh = [t for t in bank if t not in self.used]
        template = self.rng.choice(fresh or list(bank))
        if template.startswith("~"):
            return template[1:]
        self.used.add(template)
        return template

    def _has_fresh(self, bank: Sequence[str]) -> bool:
        return any(t not in self.used for t in bank)

    def pick_fresh(self, bank: Sequence[str]) -> str | None:
        """A template from ``bank`` not yet used in this interview, or None."""
        fresh = [t for t in bank if t not in self.used]
        if not fresh:
            return None
        template = self.rng.choice(fresh)
        self.used.add(template)
        return template

    def passage(self, bank: Sequence[str]) -> list[str]:
        return split_sentences(self.say(self.pick(bank)))

    # -- participant speech ----------------------------------------------------------------------

    def voiced(self, sentence: str, first: bool = False) -> str:
        """Put the participant's habits on a sentence: openers, fillers, particles, restarts."""
        v, rng = self.voice, self.rng
        words = sentence.split(" ")
        if rng.random() < v.repeat_rate and len(words) > 4 and words[0] in ("I", "We", "It's"):
            again = words[0] if words[0] == "I" else words[0].lower()
            words = [words[0] + ",", again, *words[1:]]
        if rng.random() < v.filler_rate and len(words) > 8:
            k = rng.randrange(3, min(7, len(words) - 2))
            if not words[k - 1].endswith((",", ".")) and ENTITY_OPEN not in words[k - 1]:
                words[k - 1] += ","
                words.insert(k, rng.choice(["you know,", "like,", "I mean,", "um,", "uh,"]))
        sentence = " ".join(words)
        if first and rng.random() < v.opener_rate * 1.5:
            sentence = f"{rng.choice(v.openers)} {_lower_first(sentence)}"
        if len(words) < 13 and sentence.endswith(".") and rng.random() < v.particle_rate:
            sentence = sentence[:-1] + f" {rng.choice(PARTICLES)}."
        return sentence

    def neutral_passage(self, section: str, prefer: str | None = None) -> list[str]:
        """Talk on the section's topics: unused passages first (of topic ``prefer`` if any are
        left), then the general work topics, and only then the combinatorial (``~``) passages
        that may recur. Sets ``self.topic`` to the topic used."""
        rng = self.rng
        topics = [self._topic(t) for t in NEUTRAL_TOPICS[section]]
        wide = topics
        if section not in _FIXED_SECTIONS:
            wide = topics + [t for t in GENERAL_TOPICS if t not in topics]
        for pool in (([prefer],) if prefer else ()) + (topics, wide):
            fresh = [
                (topic, t)
                for topic in dict.fromkeys(pool)
                for t in NEUTRAL[topic]
                if t not in self.used and t[0] != "~"
            ]
            if fresh:
                self.topic, template = rng.choice(fresh)
                self.used.add(template)
                return split_sentences(self.say(template))
        reusable = [(topic, t) for topic in wide for t in NEUTRAL[topic] if t[0] == "~"]
        self.topic, template = rng.choice(reusable or [(topics[0], "~" + NEUTRAL[topics[0]][0])])
        return split_sentences(self.say(template[1:]))

    def _topic(self, topic: str) -> str:
        if topic == "recovery_diag":
            return DIAG_KEY[self.voice.diagnosis]
        if topic == "catchup" and self.covid and self.rng.random() < 0.5:
            return "covid"
        return topic

    def coded_sentences(self, code: str) -> list[str]:
        """What a participant says about ``code``: a statement, often a story, a reflection."""
        rng = self.rng
        out: list[str] = []
        episode = self.pick_fresh(EPISODES[code]) if rng.random() < 0.8 else None
        if episode is None or rng.random() < 0.7:
            out.append(self.say(self.pick(CODE_BANK[code])))
        if episode is not None:
            out.extend(split_sentences(self.say(episode)))
        more = self.pick_fresh(CODE_BANK[code + "_more"]) if rng.random() < 0.5 else None
        if more:
            out.append(self.say(more))
        if rng.random() < 0.25:
            facilitator = SUBTHEME_CATEGORY[CODE_SUBTHEME[code]] == "facilitators"
            reaction = self.pick_fresh(REACTIONS["positive" if facilitator else "negative"])
            if reaction:
                out.append(self.say(reaction))
        return out

    def participant_turn(self, codes: Sequence[str], section: str, target: int) -> Turn:
        sentences: list[str] = []
        lead = 0
        if codes and self.rng.random() < 0.15:
            sentences = self.neutral_passage(section)[:1]
            lead = 1
        for code in codes:
            sentences.extend(self.coded_sentences(code))
        core = len(sentences)
        if codes and _count_words(sentences) < target:
            more = self.pick_fresh(CODE_BANK[codes[0] + "_more"])
            if more:
                sentences.append(self.say(more))
        topic = None
        while not codes and _count_words(sentences) < target:
            sentences.extend(self.neutral_passage(section, prefer=topic))
            topic = self.topic
        if self.rng.random() < 0.15:
            sentences.append(self.rng.choice(CLOSERS))
        sentences = [self.voiced(s, first=i == 0) for i, s in enumerate(sentences)]
        return Turn("participant", sentences, tuple(codes), section, core=max(core, lead, 1))

    # -- interviewer speech ----------------------------------------------------------------------

    def interviewer(self, bank: str, section: str, prompt: bool = False) -> Turn:
        rng = self.rng
        text = self.say(self.pick(INTERVIEWER[bank]))
        if bank == "probe" and rng.random() < 0.35:
            text = f"{rng.choice(INTERVIEWER['backchannel'])} {text}"
        if bank in SECTION_TOPIC and not prompt and rng.random() < 0.6:
            preamble = self.say(self.pick(INTERVIEWER["preamble"]))
            text = f"{preamble.replace('<topic>', SECTION_TOPIC[bank])} {text}"
        if bank in SECTION_WEIGHT and rng.random() < 0.5:
            text = f"{self.say(self.pick(INTERVIEWER['transition']))} {text}"
        return Turn("interviewer", [text], (), section, prompt=prompt)

    def summary(self, section: str) -> Turn:
        """The interviewer rounds off a section before moving on."""
        text = self.say(self.pick(INTERVIEWER["summary"]))
        return Turn("interviewer", [text.replace("<topic>", SECTION_TOPIC[section])], (), section)

    def follow_up(self, after: Turn, section: str) -> Turn:
        """The interviewer's next move: a probe, a nod, or a reflection of what was said."""
        rng = self.rng
        if after.codes and rng.random() < 0.45:
            reflection = self.say(self.pick(REFLECTIONS[CODE_SUBTHEME[after.codes[0]]]))
            if rng.random() < 0.6:
                reflection += " " + self.say(self.pick(INTERVIEWER["probe"]))
            return Turn("interviewer", [reflection], (), section)
        return self.interviewer("backchannel" if rng.random() < 0.22 else "probe", section)

    # -- the whole interview --------------------------------------------------------------------

    def write(self, mentions: dict[str, int], n_turns: int, target_words: int) -> list[Turn]:
        """All turns, alternating interviewer/participant, starting with the interviewer."""
        sections = wave_sections(self.wave, self.rng)
        per_section = self._assign(mentions, sections)
        coded_turns = {s: self._group(per_section[s]) for s in sections}
        if "challenges" in coded_turns:
            coded_turns["challenges"] = self._primacy_order(coded_turns["challenges"])
        exchanges = self._exchange_counts(sections, coded_turns, n_turns // 2)
        mean_len = max(20.0, (target_words - 13 * (n_turns // 2)) / (n_turns // 2))
        turns: list[Turn] = []
        for section in sections:
            turns.extend(self._section(section, coded_turns[section], exchanges[section], mean_len))
        self._place_extras(turns)
        self._fit_words(turns, target_words)
        return turns

    def _assign(self, mentions: dict[str, int], sections: list[str]) -> dict[str, list[str]]:
        rng, v = self.rng, self.voice
        out: dict[str, list[str]] = {s: [] for s in sections}
        for subtheme in SUBTHEMES:
            n = mentions.get(subtheme, 0)
            if not n:
                continue
            codes = [c for c, s in CODE_SUBTHEME.items() if s == subtheme]
            weights = [v.code_weights.get(c, 1.0) for c in codes]
            places = [s for s in sections if AFFINITY[subtheme].get(s)]
            place_w = [AFFINITY[subtheme][s] for s in places]
            chosen_places = rng.choices(places, place_w, k=n)
            if subtheme in BARRIERS and "challenges" not in chosen_places:
                chosen_places[0] = "challenges"
            for place in chosen_places:
                out[place].append(rng.choices(codes, weights)[0])
        return out

    def _group(self, codes: list[str]) -> list[tuple[str, ...]]:
        """Mentions → participant turns: most turns carry one code, some two."""
        rng = self.rng
        pool = codes[:]
        rng.shuffle(pool)
        turns: list[tuple[str, ...]] = []
        while pool:
            first = pool.pop()
            partner = next((c for c in pool if c != first), None)
            if partner is not None and rng.random() < 0.2:
                pool.remove(partner)
                turns.append((first, partner))
            else:
                turns.append((first,))
        return turns

    def _primacy_order(self, turns: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
        """Order the challenge answers: barriers first, in the participant's order of salience."""
        rng = self.rng
        present = sorted(
            {CODE_SUBTHEME[c] for t in turns for c in t if CODE_SUBTHEME[c] in BARRIERS}
        )
        order: list[str] = []
        while present:
            pick = rng.choices(present, [PRIMACY_WEIGHT[s] for s in present])[0]
            order.append(pick)
            present.remove(pick)

        def rank(turn: tuple[str, ...]) -> int:
            ranks = [order.index(CODE_SUBTHEME[c]) for c in turn if CODE_SUBTHEME[c] in order]
            return min(ranks) if ranks else len(order)

        return sorted(turns, key=rank)

    def _exchange_counts(
        self, sections: list[str], coded: dict[str, list], total: int
    ) -> dict[str, int]:
        fixed = {"opening": 2, "closing": 2}
        middle = [s for s in sections if s not in fixed]
        need = {s: len(coded[s]) + 1 for s in middle}
        room = total - sum(fixed.values())
        weights = {s: SECTION_WEIGHT[s] * (0.8 + 0.4 * self.rng.random()) for s in middle}
        scale = room / sum(weights.values())
        counts = {s: max(need[s], round(weights[s] * scale)) for s in middle}
        # take any excess from the sections with the most slack, add any shortfall by weight
        while sum(counts.values()) > room:
            s = max(middle, key=lambda m: counts[m] - need[m])
            if counts[s] <= need[s]:
                break
            counts[s] -= 1
        while sum(counts.values()) < room:
            counts[max(middle, key=lambda m: weights[m] / counts[m])] += 1
        return {**fixed, **counts}

    def _section(
        self, section: str, coded: list[tuple[str, ...]], n: int, mean_len: float
    ) -> list[Turn]:
        rng = self.rng
        if section == "opening":
            opening = self.interviewer(f"opening_{min(self.wave, 3)}", section)
            consent = Turn("participant", [rng.choice(CONSENT_ANSWERS)], (), section)
            warm = self.interviewer(f"warmup_{min(self.wave, 3)}", section)
            return [opening, consent, warm, self.participant_turn((), section, 6)]
        if section == "closing":
            ask = self.interviewer("closing", section)
            reply = self.participant_turn((), section, 3)
            thanks = self.interviewer("thanks", section)
            bye = Turn(
                "participant", [rng.choice(["Thank you too.", "Thank you.", "Okay, thanks."])]
            )
            bye.section = section
            return [ask, reply, thanks, bye]
        slots: list[tuple[str, ...] | None] = [None] * n
        if section == "challenges":
            order = list(range(n))
        else:
            rest = list(range(1, n))
            rng.shuffle(rest)
            order = [0, *rest] if rng.random() < 0.6 else rest + [0]
        for i, codes in zip(order, coded, strict=False):
            slots[i] = codes
        turns: list[Turn] = []
        closed = CLOSED_EXCHANGES.get(section, [])
        for i, codes in enumerate(slots):
            if i == 0:
                turns.append(self.interviewer(section, section, prompt=section == "challenges"))
            elif codes is None and closed and rng.random() < 0.2 and self._has_fresh(closed):
                question, answer = self.pick(closed).split(" | ")
                turns.append(Turn("interviewer", [self.say(question)], (), section))
                turns.append(Turn("participant", [self.voiced(self.say(answer))], (), section))
                continue
            elif i == n - 1 and n > 3 and section in SECTION_TOPIC and rng.random() < 0.35:
                turns.append(self.summary(section))
            else:
                turns.append(self.follow_up(turns[-1], section))
            length = rng.gauss(mean_len * (0.9 if codes else 1.0), mean_len * 0.35)
            turns.append(self.participant_turn(codes or (), section, max(8, int(length))))
        return turns

    def _place_extras(self, turns: list[Turn]) -> None:
        """Put phone numbers, the e-mail, the NRIC and accented words into neutral turns."""
        candidates = [
            i
            for i, t in enumerate(turns)
            if t.speaker == "participant"
            and not t.codes
            and t.section not in _FIXED_SECTIONS
            and len(t.sentences) > 1
        ]
        wanted = [kind for kind, _ in self.extras] + ["accent"] * self.accent
        for kind in wanted:
            if not candidates:
                break
            i = candidates.pop(self.rng.randrange(len(candidates)))
            if kind == "accent":
                added = split_sentences(self.say(self.pick(NEUTRAL["accent"])))
            else:
                added = [self.say(self.rng.choice(PII_SENTENCES[kind]))]
            turns[i].sentences.extend(added)
            turns[i].core = len(turns[i].sentences)  # keep it through trimming

    def _fit_words(self, turns: list[Turn], target: int) -> None:
        """Lengthen or shorten neutral talk until the interview is within ±60 words of target."""
        rng = self.rng
        total = sum(_count_words(t.sentences) for t in turns)
        neutral = [
            t
            for t in turns
            if t.speaker == "participant"
            and not t.codes
            and len(t.sentences) > 1
            and t.section not in _FIXED_SECTIONS
        ]
        longer = [t for t in turns if t.speaker == "participant" and len(t.sentences) > 1]
        for _ in range(3000):
            if total < target - 60 and neutral:
                t = rng.choice(neutral)
                added = [self.voiced(s) for s in self.neutral_passage(t.section)]
                t.sentences.extend(added)
                total += _count_words(added)
            elif total > target + 60:
                trimmable = [t for t in longer if len(t.sentences) > max(t.core, 1)]
                if not trimmable:
                    break
                t = rng.choice(trimmable)
                total -= _count_words([t.sentences.pop()])
            else:
                break


def _lower_first(sentence: str) -> str:
    first = sentence.split(" ", 1)[0].rstrip(",.")
    if (
        first in _KEEP_CASE
        or sentence.startswith(ENTITY_OPEN)
        or sum(c.isupper() for c in first) > 1
    ):
        return sentence
    return sentence[:1].lower() + sentence[1:]


def _count_words(sentences: Sequence[str]) -> int:
    return sum(len(surface_text(s).split()) for s in sentences)


def check_interviewer_turns(turns: Sequence[Turn]) -> None:
    """Exactly one interviewer turn — the challenge prompt — may match the primacy pattern."""
    hits = [
        i
        for i, t in enumerate(turns)
        if t.speaker == "interviewer" and PROMPT_PATTERN.search(t.text)
    ]
    prompts = [i for i, t in enumerate(turns) if t.prompt]
    if hits != prompts or len(prompts) != 1:
        raise AssertionError(f"prompt turns {prompts} but pattern matches at {hits}")
