"""The demo organisation of `seed_demo`: plain data, no logic.

People, teams and use cases of a fictional retailer's marketing and contact-centre functions.
Vendors and products are invented. The comment above each use case says which tier its answers
derive (the command never sets a tier: `usecases.risk` does, from the answers).
"""

from dataclasses import dataclass
from typing import Any

from council.models import CouncilRole
from usecases.choices import State

# (name, slug)
TEAMS = (
    ("Marketing", "marketing"),
    ("Contact Centre", "contact-centre"),
    ("Customer Experience", "customer-experience"),
)


@dataclass(frozen=True)
class Person:
    username: str
    first_name: str
    last_name: str
    job_title: str
    teams: tuple[str, ...] = ()  # team slugs
    roles: tuple[str, ...] = ()  # council.models.CouncilRole values
    admin: bool = False  # Django staff and superuser, for /admin/

    @property
    def email(self) -> str:
        return f"{self.username}@example.com"


# A table reads better than the formatter's one-argument-a-line layout.
# fmt: off
PEOPLE = (
    Person("marketing.submitter", "Priya", "Shah", "CRM Marketing Manager", teams=("marketing",)),
    Person("contact.submitter", "Daniel", "Okafor", "Contact Centre Operations Lead", teams=("contact-centre",)),
    Person("cx.submitter", "Hannah", "Brooks", "Customer Insight Analyst", teams=("customer-experience",)),
    Person("chair", "Helen", "Fairweather", "Chief Data Officer, council chair", roles=(CouncilRole.CHAIR,)),
    Person("council.marketing", "Tom", "Becker", "Director of Brand Marketing", roles=(CouncilRole.MARKETING,)),
    Person("council.cx", "Aisha", "Rahman", "Director of Customer Experience", roles=(CouncilRole.CUSTOMER_EXPERIENCE,)),
    Person("council.legal", "Jonathan", "Reyes", "Senior Legal Counsel", roles=(CouncilRole.LEGAL,)),
    Person("council.privacy", "Sofia", "Lindqvist", "Data Protection Officer", roles=(CouncilRole.PRIVACY,)),
    Person("council.security", "Marek", "Nowak", "Head of Information Security", roles=(CouncilRole.SECURITY,)),
    Person("council.datascience", "Wei", "Chen", "Head of Data Science", roles=(CouncilRole.DATA_SCIENCE,)),
    Person("council.ethics", "Grace", "Adeyemi", "Responsible AI Lead", roles=(CouncilRole.ETHICS,)),
    Person("auditor", "Robert", "Hale", "Internal Auditor", roles=(CouncilRole.AUDITOR,)),
    # Business owners: accountable managers outside the submitting teams (four eyes, SPEC 2).
    Person("maria.owner", "Maria", "Lopez", "Head of CRM"),
    Person("carl.owner", "Carl", "Jensen", "Head of Contact Centre"),
    Person("nina.owner", "Nina", "Patel", "Head of Customer Experience"),
    Person("admin", "Site", "Administrator", "Platform administrator", admin=True),
)
# fmt: on


@dataclass(frozen=True)
class DemoUseCase:
    team: str  # team slug
    submitter: str  # username of a team member, who creates, submits and withdraws it
    business_owner: str  # username
    state: str  # a key of seed_demo.STEPS: how far through the lifecycle it is driven
    answers: dict[str, Any]
    withdraw_reason: str = ""
    # When its story took place: its review, decision and registry entry are dated this many
    # days back (0: today). Must be less than seed_demo.HELD_SINCE, when the council began.
    days_ago: int = 0


USE_CASES = (
    # Limited: customer-facing, profiling with personal data (GDPR Art. 21). DPIA: profiles customers.
    DemoUseCase(
        team="marketing",
        submitter="marketing.submitter",
        business_owner="maria.owner",
        state=State.APPROVED_WITH_CONDITIONS,
        answers={
            "title": "Next-best-offer e-mails",
            "summary": (
                "A personalisation engine picks, for each subscriber, which of this week's offers "
                "appears at the top of the newsletter, based on what they browsed and bought."
            ),
            "business_problem": (
                "Every customer gets the same newsletter. Offers that do not fit them drive "
                "unsubscribes (0.9% a send) and the e-mail channel's revenue has fallen two years running."
            ),
            "functions": ["marketing"],
            "journey_stages": ["retention", "purchase"],
            "channels": ["email"],
            "capabilities": ["personalisation", "recommendation"],
            "vendor": "Brightpath Decisioning Ltd",
            "tool_name": "Brightpath Next Best Offer",
            "model_provenance": "vendor_hosted",
            "automation_level": "human_on_the_loop",
            "data_categories": ["contact_details", "behavioural", "transactional"],
            "affected_people": ["customers"],
            "customer_facing": True,
            "significant_decisions": False,
            "vulnerable_groups": False,
            "expected_benefits": "More relevant offers, fewer unsubscribes, higher e-mail revenue per send.",
            "kpis": "Unsubscribe rate, click-through rate, e-mail revenue per send, 12-month retention.",
            "pilot_plan": (
                "10% of the UK list for 8 weeks against a hold-out group; success if unsubscribes "
                "fall by 15% and revenue per send rises by 5% with no rise in complaints."
            ),
            "customer_disclosure": (
                "The newsletter footer says offers are chosen automatically from your shopping "
                "history and links to the preference centre, where you can switch it off."
            ),
        },
    ),
    # Limited: profiling with personal data (GDPR Art. 21). DPIA: profiles customers.
    DemoUseCase(
        team="customer-experience",
        submitter="cx.submitter",
        business_owner="nina.owner",
        state=State.APPROVED,
        answers={
            "title": "Churn prediction for subscription customers",
            "summary": (
                "A model trained on service usage, complaints and billing history scores each "
                "subscription customer's risk of cancelling in the next 90 days. The retention team "
                "uses the weekly list to decide whom to call."
            ),
            "business_problem": (
                "We learn that customers are unhappy only when they cancel. Retention calls today go "
                "to a random sample and reach few of the customers who are about to leave."
            ),
            "functions": ["customer_experience", "marketing"],
            "journey_stages": ["retention", "service"],
            "channels": ["voice_ivr", "email"],
            "capabilities": ["predictive_scoring", "segmentation"],
            "vendor": "",
            "tool_name": "Churn model v2 (gradient boosted trees on the data platform)",
            "model_provenance": "in_house",
            "automation_level": "human_in_the_loop",
            "data_categories": ["behavioural", "transactional", "contact_details"],
            "affected_people": ["customers"],
            "customer_facing": False,
            "significant_decisions": False,
            "vulnerable_groups": False,
            "expected_benefits": "Retention calls reach the customers most likely to leave; fewer cancellations.",
            "kpis": "90-day churn rate, retention call save rate, customer lifetime value, model precision at top 10%.",
            "pilot_plan": (
                "Two retention squads for one quarter call the top-scored customers, two call a "
                "random sample; success if the save rate is 20% higher. Monthly fairness check by age band."
            ),
            "customer_disclosure": "",
        },
    ),
    # Limited: generates content (EU AI Act Art. 50(2)) for customers (Art. 50(1)).
    DemoUseCase(
        team="marketing",
        submitter="marketing.submitter",
        business_owner="maria.owner",
        state=State.DRAFT,
        answers={
            "title": "Generated campaign copy",
            "summary": (
                "Copywriters use a large language model to draft subject lines, e-mail body copy and "
                "paid social variants from a campaign brief; a copywriter edits and approves every line."
            ),
            "business_problem": (
                "Each campaign needs dozens of variants per channel and language; the copy team is the "
                "bottleneck and campaigns launch late or with too few variants to test."
            ),
            "functions": ["marketing"],
            "journey_stages": ["awareness", "acquisition"],
            "channels": ["email", "social", "paid_media"],
            "capabilities": ["generative_content"],
            "vendor": "Lumen AI Inc.",
            "tool_name": "Lumen Write (foundation model API, enterprise tenant, no training on our data)",
            "model_provenance": "foundation_model_api",
            "automation_level": "human_in_the_loop",
            "data_categories": ["none"],
            "affected_people": ["customers", "prospects"],
            "customer_facing": True,
            "significant_decisions": False,
            "vulnerable_groups": False,
            "expected_benefits": "Campaigns launch a week sooner with three times as many tested variants.",
            "kpis": "Time from brief to launch, open rate, click-through rate, brand-guideline review failures.",
            "pilot_plan": (
                "Two spring campaigns, six weeks; success if time to launch falls by 30% with no more "
                "brand or legal review findings than human-written copy."
            ),
            "customer_disclosure": (
                "Generated images carry a content credential; the privacy notice says we use AI tools "
                "to help write marketing."
            ),
        },
    ),
    # Limited: a chatbot (EU AI Act Art. 50(1)), customer-facing. DPIA: innovative technology and
    # large scale among the WP248 criteria.
    DemoUseCase(
        team="contact-centre",
        submitter="contact.submitter",
        business_owner="carl.owner",
        state=State.CHANGES_REQUESTED,
        answers={
            "title": "Customer service chatbot",
            "summary": (
                "A chat assistant on the website and app answers order, delivery and returns questions "
                "from the help centre articles and the customer's own orders, and hands over to an "
                "agent when it cannot help."
            ),
            "business_problem": (
                "Half of all chats are 'where is my order' questions; customers wait 6 minutes on "
                "average at peak and agents have no time for the complex cases."
            ),
            "functions": ["contact_centre", "customer_experience"],
            "journey_stages": ["service", "post_purchase"],
            "channels": ["chat", "web", "mobile_app"],
            "capabilities": ["chatbot", "generative_content"],
            "vendor": "Parley Labs",
            "tool_name": "Parley Assist",
            "model_provenance": "vendor_hosted",
            "automation_level": "human_on_the_loop",
            "data_categories": ["contact_details", "transactional", "chat_transcripts"],
            "affected_people": ["customers"],
            "customer_facing": True,
            "significant_decisions": False,
            "vulnerable_groups": False,
            "expected_benefits": "Instant answers for simple questions; agents spend their time on complex cases.",
            "kpis": "Containment rate, CSAT after chat, transfer rate to agents, average wait at peak.",
            "pilot_plan": (
                "Returns and delivery questions only, on the website, for 6 weeks; success if CSAT "
                "stays at 4.2 or above and 40% of those chats are resolved without an agent."
            ),
            "customer_disclosure": (
                "The chat window opens with 'You are chatting with our virtual assistant' and the "
                "assistant's name is labelled 'AI'."
            ),
            "human_escalation": (
                "Typing 'agent' or asking for a person transfers to the next agent with the chat "
                "history; the bot also transfers after two failed answers or any complaint."
            ),
        },
    ),
    # Limited: a voice agent (EU AI Act Art. 50(1)). DPIA: processes voice recordings.
    DemoUseCase(
        team="contact-centre",
        submitter="contact.submitter",
        business_owner="carl.owner",
        state=State.DRAFT,
        answers={
            "title": "Voice AI in the IVR",
            "summary": (
                "Replaces the 'press 1, press 2' menu with a voice agent that asks callers why they "
                "are calling, answers simple questions (opening hours, order status) and routes the "
                "rest to the right queue."
            ),
            "business_problem": (
                "One caller in five picks the wrong menu option and is transferred at least once; "
                "transfers add 3 minutes to the call and hurt first-contact resolution."
            ),
            "functions": ["contact_centre"],
            "journey_stages": ["service"],
            "channels": ["voice_ivr"],
            "capabilities": ["voice_agent"],
            "vendor": "Sonora Voice Systems",
            "tool_name": "Sonora Conversational IVR",
            "model_provenance": "vendor_hosted",
            "automation_level": "human_on_the_loop",
            "data_categories": ["voice_recordings", "contact_details", "transactional"],
            "affected_people": ["customers"],
            "customer_facing": True,
            "significant_decisions": False,
            "vulnerable_groups": False,
            "expected_benefits": "Fewer transfers and shorter calls; simple questions answered without a wait.",
            "kpis": "Transfer rate, first-contact resolution, average handling time, CSAT, abandonment rate.",
            "pilot_plan": (
                "The delivery line only, 20% of calls, for 4 weeks; success if transfers fall by a "
                "third and abandonment does not rise."
            ),
            "customer_disclosure": (
                "The greeting says: you are speaking to our automated assistant; say 'agent' at any "
                "time to speak to a person."
            ),
            "human_escalation": "Saying 'agent' or pressing 0 at any point routes the call to the next agent.",
        },
    ),
    # Limited: detects customers' sentiment, allowed with notice (EU AI Act Art. 50(3)).
    # Approved some 14 months ago: past its 12-month re-review date, so the registry shows it
    # overdue (the daily sweep would open its re-review; the demo does not run it).
    DemoUseCase(
        team="customer-experience",
        submitter="cx.submitter",
        business_owner="nina.owner",
        state=State.APPROVED,
        days_ago=430,
        answers={
            "title": "Sentiment analytics on chat transcripts",
            "summary": (
                "Every night, a model tags each closed chat with the customer's sentiment and the "
                "topics raised; the CX team reads weekly trends and the most negative chats."
            ),
            "business_problem": (
                "Only 8% of customers answer the post-chat survey, so we miss why the others are "
                "unhappy and find product and delivery problems weeks late."
            ),
            "functions": ["customer_experience"],
            "journey_stages": ["service", "post_purchase"],
            "channels": ["chat"],
            "capabilities": ["sentiment_analysis"],
            "vendor": "Tonality Analytics",
            "tool_name": "Tonality Insights",
            "model_provenance": "vendor_hosted",
            "automation_level": "human_in_the_loop",
            "data_categories": ["chat_transcripts"],
            "affected_people": ["customers"],
            "customer_facing": False,
            "significant_decisions": False,
            "vulnerable_groups": False,
            "expected_benefits": "Problems spotted within days across every chat, not just surveyed ones.",
            "kpis": "Share of chats analysed, time to detect a new issue, CSAT, repeat-contact rate.",
            "pilot_plan": (
                "Three months of transcripts, pseudonymised, analysed in the vendor's EU region; success "
                "if the tags match a human-labelled sample 85% of the time. Agents are never scored."
            ),
            "customer_disclosure": "",
        },
    ),
    # Minimal: an internal assistant for agents; no profiling, no monitoring of the agents.
    DemoUseCase(
        team="contact-centre",
        submitter="contact.submitter",
        business_owner="carl.owner",
        state=State.APPROVED,
        answers={
            "title": "Agent assist: knowledge article suggestions",
            "summary": (
                "While an agent handles a chat, the assistant suggests the three help-centre articles "
                "that best match the conversation; the agent decides whether to use them."
            ),
            "business_problem": (
                "New agents spend a minute or more per chat searching the knowledge base, and often "
                "give inconsistent answers on returns policy."
            ),
            "functions": ["contact_centre"],
            "journey_stages": ["service"],
            "channels": ["agent_assist"],
            "capabilities": ["agent_assist"],
            "vendor": "Parley Labs",
            "tool_name": "Parley Agent Companion",
            "model_provenance": "vendor_hosted",
            "automation_level": "human_in_the_loop",
            "data_categories": ["chat_transcripts"],
            "affected_people": ["agents"],
            "customer_facing": False,
            "significant_decisions": False,
            "vulnerable_groups": False,
            "expected_benefits": "Shorter chats and consistent answers; faster ramp-up for new agents.",
            "kpis": "Average handling time, first-contact resolution, article usage, time to proficiency.",
            "pilot_plan": (
                "One team of 25 agents for 6 weeks; success if handling time falls by 10%. Suggestions "
                "and their use are never reported per agent."
            ),
            "customer_disclosure": "",
        },
    ),
    # Limited: profiling of prospects (GDPR Art. 21). Withdrawn: the CRM vendor ships its own scoring.
    DemoUseCase(
        team="marketing",
        submitter="marketing.submitter",
        business_owner="maria.owner",
        state=State.WITHDRAWN,
        withdraw_reason=(
            "The new CRM platform includes lead scoring; we will assess that instead of a separate tool."
        ),
        answers={
            "title": "Lead scoring for inbound prospects",
            "summary": (
                "Scores web sign-ups and brochure requests by their likelihood to buy in 30 days so the "
                "sales team calls the warmest leads first."
            ),
            "business_problem": (
                "Sales calls leads in the order they arrive; warm leads wait days and buy elsewhere."
            ),
            "functions": ["sales", "marketing"],
            "journey_stages": ["acquisition"],
            "channels": ["web", "email"],
            "capabilities": ["predictive_scoring"],
            "vendor": "Northwind Revenue Cloud",
            "tool_name": "Northwind LeadIQ",
            "model_provenance": "vendor_hosted",
            "automation_level": "human_in_the_loop",
            "data_categories": ["contact_details", "behavioural"],
            "affected_people": ["prospects"],
            "customer_facing": False,
            "significant_decisions": False,
            "vulnerable_groups": False,
            "expected_benefits": "Higher conversion of inbound leads with the same sales headcount.",
            "kpis": "Lead-to-sale conversion, time to first call, pipeline value.",
            "pilot_plan": "One region for 8 weeks, A/B against first-come-first-served calling.",
            "customer_disclosure": "",
        },
    ),
    # High: evaluates agents' performance (EU AI Act Annex III 4(b)); also limited (Art. 50(3)) for
    # analysing customers' speech. DPIA: monitors agents, processes voice recordings.
    DemoUseCase(
        team="contact-centre",
        submitter="contact.submitter",
        business_owner="carl.owner",
        state=State.REJECTED,
        answers={
            "title": "Automated quality scoring of agent calls",
            "summary": (
                "Speech analytics transcribes every recorded call and scores it against the quality "
                "checklist (greeting, identity check, resolution, compliance statements). Scores feed "
                "team leaders' coaching and the quarterly performance review. It does not infer emotions."
            ),
            "business_problem": (
                "Team leaders listen to 2 calls per agent a month; scores are noisy and agents say "
                "they are unfair. Compliance statements are missed on about 4% of calls."
            ),
            "functions": ["contact_centre"],
            "journey_stages": ["service"],
            "channels": ["voice_ivr"],
            "capabilities": ["speech_analytics"],
            "vendor": "Sonora Voice Systems",
            "tool_name": "Sonora QA Insights",
            "model_provenance": "vendor_hosted",
            "automation_level": "human_in_the_loop",
            "data_categories": ["voice_recordings", "contact_details"],
            "affected_people": ["agents", "customers"],
            "customer_facing": False,
            "significant_decisions": True,
            "vulnerable_groups": False,
            "expected_benefits": "Fairer, more consistent quality scores on every call; fewer compliance misses.",
            "kpis": "Compliance statement miss rate, agreement with human QA, agent satisfaction with QA, CSAT.",
            "pilot_plan": (
                "Two teams for one quarter, scores shown to team leaders only and not used in reviews "
                "during the pilot; works council consulted before start; agents can contest a score."
            ),
            "customer_disclosure": "",
        },
    ),
    # Limited, confidential: the product is unannounced, so only the team, its owner, the chair,
    # auditors and assigned reviewers may see even the title (SPEC section 2).
    DemoUseCase(
        team="marketing",
        submitter="marketing.submitter",
        business_owner="maria.owner",
        state=State.IN_REVIEW,
        answers={
            "title": "Project Aurora launch: generated teaser campaign",
            "summary": (
                "Generated images and copy for the teaser campaign of an unannounced product line, "
                "targeted at segments of existing customers likely to be interested."
            ),
            "business_problem": (
                "The launch date is fixed and the agency cannot be briefed before the announcement; "
                "the in-house team needs to produce teaser creative for twelve segments in three weeks."
            ),
            "confidential": True,
            "functions": ["marketing"],
            "journey_stages": ["awareness"],
            "channels": ["email", "social", "paid_media"],
            "capabilities": ["generative_content", "segmentation"],
            "vendor": "Lumen AI Inc.",
            "tool_name": "Lumen Studio",
            "model_provenance": "foundation_model_api",
            "automation_level": "human_in_the_loop",
            "data_categories": ["behavioural", "transactional"],
            "affected_people": ["customers"],
            "customer_facing": True,
            "significant_decisions": False,
            "vulnerable_groups": False,
            "expected_benefits": "Launch on time with creative tailored to each segment.",
            "kpis": "Pre-registration sign-ups, click-through rate, cost per sign-up.",
            "pilot_plan": "Teaser wave to 5% of each segment one week before the main wave; success if sign-ups beat the last launch.",
            "customer_disclosure": "Generated images carry a content credential and the caption 'Made with AI'.",
        },
    ),
)


@dataclass(frozen=True)
class DemoDeployment:
    """A registry entry of an approved demo use case, and what happened to it since."""

    title: str
    technical_owner: str
    entry: dict
    stages: tuple[str, ...] = ()
    incidents: tuple[tuple[str, str, str], ...] = ()  # (kind, severity, description)


DEPLOYMENTS = (
    DemoDeployment(
        title="Sentiment analytics on chat transcripts",
        technical_owner="cx.submitter",
        entry={
            "name": "Chat sentiment insights",
            "vendor": "Lumen Text Analytics",
            "model_version": "lumen-sentiment-3.2",
            "channels": ["chat"],
            "markets": ["GB", "IE"],
            "human_oversight": "Insight analysts review weekly themes before they reach product teams.",
            "customer_disclosure": "The chat privacy notice says transcripts are analysed to improve service.",
            "data_categories": ["chat_transcripts"],
            "monitoring_kpis": "Agreement with human-coded sample (monthly), complaint themes coverage.",
            "published": True,
        },
        stages=("production",),
        incidents=(
            ("other", "low", "Sarcasm in two transcripts was scored as positive; sample re-coded."),
        ),
    ),
    DemoDeployment(
        title="Next-best-offer e-mails",
        technical_owner="marketing.submitter",
        entry={
            "name": "Next-best-offer engine",
            "vendor": "Acme Personalise",
            "model_version": "nbo-2026.3",
            "channels": ["email"],
            "markets": ["GB"],
            "human_oversight": "The CRM team approves the offer catalogue and reviews the offer mix weekly.",
            "customer_disclosure": "The e-mail footer says offers are chosen automatically from your purchases.",
            "data_categories": ["contact_details", "behavioural", "transactional"],
            "monitoring_kpis": "Unsubscribe rate, complaint rate, offer acceptance by customer segment.",
            "published": True,
        },
    ),
    DemoDeployment(
        title="Agent assist: knowledge article suggestions",
        technical_owner="contact.submitter",
        entry={
            "name": "Agent knowledge assistant",
            "vendor": "Helpwise",
            "model_version": "helpwise-suggest-1.8",
            "channels": ["agent_assist"],
            "markets": ["GB"],
            "human_oversight": "Agents choose whether to use a suggestion; team leaders review flagged articles.",
            "customer_disclosure": "",
            "data_categories": ["chat_transcripts"],
            "monitoring_kpis": "Suggestion acceptance, handling time, articles flagged as wrong.",
            "published": False,
        },
        stages=("production",),
        incidents=(
            (
                "privacy_breach",
                "critical",
                "A suggestion quoted another customer's order number from an article draft.",
            ),
        ),
    ),
    DemoDeployment(
        title="Churn prediction for subscription customers",
        technical_owner="cx.submitter",
        entry={
            "name": "Churn risk score",
            "vendor": "",
            "model_version": "churn-gbm-2025.11",
            "channels": ["email", "voice_ivr"],
            "markets": ["GB"],
            "human_oversight": "Retention agents decide every offer; the score only orders the call list.",
            "customer_disclosure": "Privacy notice, section 'How we use your data to keep you as a customer'.",
            "data_categories": ["contact_details", "behavioural", "transactional"],
            "monitoring_kpis": "Precision at top decile, retention uplift, complaints.",
            "published": False,
        },
        stages=("production", "retired"),
    ),
)
