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
    state: str  # a key of demo.seeding.STEPS: how far through the lifecycle it is driven
    answers: dict[str, Any]
    withdraw_reason: str = ""
    # When its story took place: its review, decision and registry entry are dated this many
    # days back (0: today). Must be less than demo.seeding.HELD_SINCE, when the council began.
    days_ago: int = 0
    # Decided or withdrawn: submitted this many days before that (how long the council took), so
    # the dashboard's time to decision has something to measure. Less than the gap to the
    # previous story's `days_ago`, so that the audit trail stays in order of time.
    council_days: int = 0
    # In review: a question a council member put to the team, still unanswered.
    council_asks: str = ""
    # The inventory's models the team names: (model name, version).
    model_versions: tuple[tuple[str, str], ...] = ()
    # In review: why a reviewer rejected the team's answer to the first checklist item.
    answer_rejected: str = ""


USE_CASES = (
    # EU AI Act: minimal. Tier limited by policy (profiling, POL-07). DPIA: three WP248 criteria.
    DemoUseCase(
        team="marketing",
        submitter="marketing.submitter",
        business_owner="maria.owner",
        state=State.APPROVED_WITH_CONDITIONS,
        council_days=9,
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
            "markets": ["IE", "GB"],
            "operator_role": "deployer",
            "sensitive_purposes": [],
            "outbound_contact": False,
            "people_affected": "over_100k",
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
    # EU AI Act: minimal. Tier limited by policy (profiling, POL-07). DPIA: two WP248 criteria.
    DemoUseCase(
        team="customer-experience",
        submitter="cx.submitter",
        business_owner="nina.owner",
        state=State.APPROVED,
        council_days=6,
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
            "markets": ["IE", "GB"],
            "operator_role": "deployer",
            "sensitive_purposes": [],
            "outbound_contact": False,
            "people_affected": "1k_100k",
            "expected_benefits": "Retention calls reach the customers most likely to leave; fewer cancellations.",
            "kpis": "90-day churn rate, retention call save rate, customer lifetime value, model precision at top 10%.",
            "pilot_plan": (
                "Two retention squads for one quarter call the top-scored customers, two call a "
                "random sample; success if the save rate is 20% higher. Monthly fairness check by age band."
            ),
            "customer_disclosure": "",
        },
    ),
    # EU AI Act: minimal (AI-written copy is no Art. 50(1) interaction, and marking under Art. 50(2)
    # is the provider's duty). Tier limited by policy (generated content customers see, POL-08).
    DemoUseCase(
        team="marketing",
        submitter="marketing.submitter",
        business_owner="maria.owner",
        state=State.DRAFT,
        model_versions=(("Atlas", "2026-03"),),
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
            "markets": ["IE", "GB"],
            "operator_role": "deployer",
            "sensitive_purposes": [],
            "outbound_contact": False,
            "people_affected": "1k_100k",
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
    # EU AI Act: transparency (a chatbot, Art. 50(1)), so tier limited. DPIA: three WP248 criteria.
    DemoUseCase(
        team="contact-centre",
        submitter="contact.submitter",
        business_owner="carl.owner",
        state=State.CHANGES_REQUESTED,
        council_days=4,
        model_versions=(("Atlas", "2026-03"),),
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
            "markets": ["IE", "GB"],
            "operator_role": "deployer",
            "sensitive_purposes": [],
            "outbound_contact": False,
            "people_affected": "1k_100k",
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
    # EU AI Act: transparency (a voice agent, Art. 50(1)), so tier limited. DPIA: WP248 criteria.
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
            "markets": ["IE", "GB"],
            "operator_role": "deployer",
            "sensitive_purposes": [],
            "outbound_contact": False,
            "people_affected": "1k_100k",
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
    # EU AI Act: minimal: sentiment read from text is not emotion recognition (Art. 3(39) needs
    # biometric data), so Art. 50(3) does not apply. Tier limited by policy (POL-07).
    # Approved some 14 months ago: past its 12-month re-review date, so the registry shows it
    # overdue (the daily sweep would open its re-review; the demo does not run it).
    DemoUseCase(
        team="customer-experience",
        submitter="cx.submitter",
        business_owner="nina.owner",
        state=State.APPROVED,
        days_ago=430,
        council_days=20,
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
            "markets": ["IE", "GB"],
            "operator_role": "deployer",
            "sensitive_purposes": [],
            "outbound_contact": False,
            "people_affected": "1k_100k",
            "expected_benefits": "Problems spotted within days across every chat, not just surveyed ones.",
            "kpis": "Share of chats analysed, time to detect a new issue, CSAT, repeat-contact rate.",
            "pilot_plan": (
                "Three months of transcripts, pseudonymised, analysed in the vendor's EU region; success "
                "if the tags match a human-labelled sample 85% of the time. Agents are never scored."
            ),
            "customer_disclosure": "",
        },
    ),
    # Minimal class and tier: an internal assistant for agents; no profiling, no monitoring of them.
    DemoUseCase(
        team="contact-centre",
        submitter="contact.submitter",
        business_owner="carl.owner",
        state=State.APPROVED,
        council_days=11,
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
            "markets": ["IE", "GB"],
            "operator_role": "deployer",
            "sensitive_purposes": [],
            "outbound_contact": False,
            "people_affected": "1k_100k",
            "expected_benefits": "Shorter chats and consistent answers; faster ramp-up for new agents.",
            "kpis": "Average handling time, first-contact resolution, article usage, time to proficiency.",
            "pilot_plan": (
                "One team of 25 agents for 6 weeks; success if handling time falls by 10%. Suggestions "
                "and their use are never reported per agent."
            ),
            "customer_disclosure": "",
        },
    ),
    # EU AI Act: minimal. Tier limited by policy (profiling, POL-07). Withdrawn: the CRM vendor
    # ships its own scoring.
    DemoUseCase(
        team="marketing",
        submitter="marketing.submitter",
        business_owner="maria.owner",
        state=State.WITHDRAWN,
        council_days=2,
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
            "markets": ["IE", "GB"],
            "operator_role": "deployer",
            "sensitive_purposes": [],
            "outbound_contact": False,
            "people_affected": "1k_100k",
            "expected_benefits": "Higher conversion of inbound leads with the same sales headcount.",
            "kpis": "Lead-to-sale conversion, time to first call, pipeline value.",
            "pilot_plan": "One region for 8 weeks, A/B against first-come-first-served calling.",
            "customer_disclosure": "",
        },
    ),
    # EU AI Act: high risk (evaluates agents' performance, Annex III 4(b)). DPIA: five WP248 criteria.
    DemoUseCase(
        team="contact-centre",
        submitter="contact.submitter",
        business_owner="carl.owner",
        state=State.REJECTED,
        council_days=8,
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
            "markets": ["IE", "GB"],
            "operator_role": "deployer",
            "sensitive_purposes": ["worker_management"],
            "outbound_contact": False,
            "people_affected": "1k_100k",
            "expected_benefits": "Fairer, more consistent quality scores on every call; fewer compliance misses.",
            "kpis": "Compliance statement miss rate, agreement with human QA, agent satisfaction with QA, CSAT.",
            "pilot_plan": (
                "Two teams for one quarter, scores shown to team leaders only and not used in reviews "
                "during the pilot; works council consulted before start; agents can contest a score."
            ),
            "customer_disclosure": "",
        },
    ),
    # EU AI Act: minimal; tier limited by policy. Confidential: the product is unannounced, so
    # only the team, its owner, the chair, auditors and assigned reviewers may see the title.
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
            "markets": ["IE", "GB"],
            "operator_role": "deployer",
            "sensitive_purposes": [],
            "outbound_contact": False,
            "people_affected": "1k_100k",
            "expected_benefits": "Launch on time with creative tailored to each segment.",
            "kpis": "Pre-registration sign-ups, click-through rate, cost per sign-up.",
            "pilot_plan": "Teaser wave to 5% of each segment one week before the main wave; success if sign-ups beat the last launch.",
            "customer_disclosure": "Generated images carry a content credential and the caption 'Made with AI'.",
        },
    ),
    # EU AI Act: high risk: infers customers' emotions from their voice (Annex III 1(c)), and the
    # people exposed must be told (Art. 50(3)). DPIA: WP248 criteria, and policy for emotion
    # recognition.
    DemoUseCase(
        team="contact-centre",
        submitter="contact.submitter",
        business_owner="carl.owner",
        state=State.IN_REVIEW,
        council_asks=(
            "Which lawful basis covers analysing callers' emotions, and can a caller object"
            " before the analysis starts?"
        ),
        answers={
            "title": "Emotion analytics on customer calls",
            "summary": (
                "A voice analytics model listens to recorded calls and infers, from tone, pitch and "
                "pace, whether the customer is frustrated, anxious or calm; supervisors see a weekly "
                "dashboard of frustration hot spots by call reason."
            ),
            "business_problem": (
                "Complaints reach us weeks after the calls that caused them; surveys reach one "
                "caller in twenty and say nothing about which call reasons upset people."
            ),
            "functions": ["contact_centre"],
            "journey_stages": ["service"],
            "channels": ["voice_ivr"],
            "capabilities": ["emotion_recognition", "speech_analytics"],
            "vendor": "Sonora Voice Systems",
            "tool_name": "Sonora Emotion Insights",
            "model_provenance": "vendor_hosted",
            "automation_level": "human_in_the_loop",
            "data_categories": ["voice_recordings", "contact_details"],
            "affected_people": ["customers"],
            "customer_facing": False,
            "significant_decisions": False,
            "vulnerable_groups": False,
            "markets": ["IE", "GB"],
            "operator_role": "deployer",
            "sensitive_purposes": [],
            "outbound_contact": False,
            "people_affected": "over_100k",
            "expected_benefits": "Call reasons that frustrate customers found within a week, not a quarter.",
            "kpis": "Repeat-contact rate, complaints per 1,000 calls, CSAT by call reason.",
            "pilot_plan": (
                "One site for eight weeks on calls whose customers heard the recording notice; only "
                "aggregated results by call reason are shown; agents are never scored."
            ),
            "customer_disclosure": "",
        },
    ),
    # EU AI Act: high risk: allocates calls to agents on their individual behaviour (Annex III
    # 4(b)). Tier high. DPIA: WP248 criteria (evaluation, monitoring, staff).
    DemoUseCase(
        team="contact-centre",
        submitter="contact.submitter",
        business_owner="carl.owner",
        state=State.IN_REVIEW,
        # Submitted six weeks ago: its review is past the high tier's 20 working days.
        days_ago=42,
        answers={
            "title": "Call routing by agent performance",
            "summary": (
                "The routing engine scores each agent on recent handling time, first-contact "
                "resolution and sales conversion, and sends high-value callers to the top-scored "
                "agents."
            ),
            "business_problem": (
                "High-value customers wait as long as everyone else and often reach new starters; "
                "their churn after a poor call is three times the average."
            ),
            "functions": ["contact_centre"],
            "journey_stages": ["service", "retention"],
            "channels": ["voice_ivr"],
            "capabilities": ["predictive_scoring"],
            "vendor": "Routewise",
            "tool_name": "Routewise Smart Routing",
            "model_provenance": "vendor_hosted",
            "automation_level": "fully_automated",
            "data_categories": ["behavioural", "transactional"],
            "affected_people": ["agents", "customers"],
            "customer_facing": False,
            "significant_decisions": False,
            "vulnerable_groups": False,
            "markets": ["IE", "GB"],
            "operator_role": "deployer",
            "sensitive_purposes": ["worker_management"],
            "outbound_contact": False,
            "people_affected": "1k_100k",
            "expected_benefits": "Shorter waits and better outcomes for high-value callers.",
            "kpis": "Churn of high-value callers, first-contact resolution, agent attrition.",
            "pilot_plan": "Two queues for six weeks; agents see their own score and can contest it.",
            "customer_disclosure": "",
        },
    ),
    # EU AI Act: transparency (a voice agent, Art. 50(1)); biometric verification of a claimed
    # identity is excluded from Annex III 1(a). Tier high by policy (biometric data, POL-03).
    DemoUseCase(
        team="contact-centre",
        submitter="contact.submitter",
        business_owner="carl.owner",
        state=State.IN_REVIEW,
        answer_rejected=(
            "The evidence names the DPIA but not where each caller's consent is recorded: attach"
            " the consent log design."
        ),
        answers={
            "title": "Voice-biometric login in the IVR",
            "summary": (
                "Callers who enrolled say a passphrase; the IVR's voice agent compares their voice "
                "print with the enrolled one to confirm they are the account holder."
            ),
            "business_problem": (
                "Security questions take 90 seconds a call and one caller in eight fails them and "
                "is passed to an agent just to prove who they are."
            ),
            "functions": ["contact_centre"],
            "journey_stages": ["service"],
            "channels": ["voice_ivr"],
            "capabilities": ["voice_agent"],
            "vendor": "VeriVoice",
            "tool_name": "VeriVoice Passphrase",
            "model_provenance": "vendor_hosted",
            "automation_level": "fully_automated",
            "data_categories": ["biometric", "voice_recordings", "contact_details"],
            "biometric_use": ["verification"],
            "affected_people": ["customers"],
            "customer_facing": True,
            "significant_decisions": False,
            "vulnerable_groups": False,
            "markets": ["IE", "GB"],
            "operator_role": "deployer",
            "sensitive_purposes": [],
            "outbound_contact": False,
            "people_affected": "over_100k",
            "expected_benefits": "Faster, safer identification; agents freed from security questions.",
            "kpis": "Average identification time, false accept and false reject rates, fraud losses.",
            "pilot_plan": "Opt-in enrolment for 5% of callers for three months; success if false accepts stay below 0.1%.",
            "customer_disclosure": "The IVR says it is an automated assistant and asks for explicit consent before enrolment.",
            "human_escalation": "Say 'agent' or press 0 at any time; security questions remain available.",
        },
    ),
    # EU AI Act: transparency: a realistic video of a spokesperson who does not exist is a deep
    # fake that must be disclosed (Art. 50(4)). Tier limited (generated content customers see).
    DemoUseCase(
        team="marketing",
        submitter="marketing.submitter",
        business_owner="maria.owner",
        state=State.IN_REVIEW,
        # Submitted 12 days ago: its review falls due within days (limited tier: 10 working days).
        days_ago=12,
        answers={
            "title": "Virtual spokesperson video adverts",
            "summary": (
                "A synthetic presenter, generated from a licensed model, presents each week's offers "
                "in short videos for social media, in six languages."
            ),
            "business_problem": (
                "Filming weekly offer videos in six languages costs more than the campaigns earn; "
                "today only English videos exist."
            ),
            "functions": ["marketing"],
            "journey_stages": ["awareness", "acquisition"],
            "channels": ["social", "paid_media"],
            "capabilities": ["synthetic_media", "generative_content"],
            "vendor": "Lumen AI Inc.",
            "tool_name": "Lumen Avatar Studio",
            "model_provenance": "foundation_model_api",
            "automation_level": "human_in_the_loop",
            "data_categories": ["none"],
            "affected_people": ["customers", "public"],
            "customer_facing": True,
            "significant_decisions": False,
            "vulnerable_groups": False,
            "markets": ["EU", "GB"],
            "operator_role": "deployer",
            "sensitive_purposes": [],
            "outbound_contact": False,
            "people_affected": "over_100k",
            "expected_benefits": "Offer videos in every market's language each week at a tenth of the cost.",
            "kpis": "View-through rate, cost per video, complaints about the adverts.",
            "pilot_plan": "Two markets for four weeks, each video approved by the brand team before it runs.",
            "customer_disclosure": "Each video shows 'AI-generated presenter' on screen for its whole length.",
        },
    ),
    # EU AI Act: recruitment is Annex III 4(a), but as its provider (our own tool on a vendor's
    # model) we conclude under Art. 6(3)(b) that it is not high-risk: it only improves a
    # recruiter's finished draft. Class transparency (Art. 50(2): we provide a generator). Tier
    # high by policy (POL-11): the council reviews the conclusion; legal checks it (TRN-14).
    DemoUseCase(
        team="contact-centre",
        submitter="contact.submitter",
        business_owner="carl.owner",
        state=State.IN_REVIEW,
        answers={
            "title": "Job advert polishing for agent recruitment",
            "summary": (
                "Recruiters paste the job advert they wrote for a contact-centre role; the tool "
                "rewrites it in the brand's tone and plain language, and the recruiter edits and "
                "publishes it."
            ),
            "business_problem": (
                "Adverts for agent roles read like internal memos; few people apply and many "
                "leave in their first month because the role was not what they expected."
            ),
            "functions": ["contact_centre"],
            "journey_stages": ["awareness"],
            "channels": ["web", "social"],
            "capabilities": ["generative_content"],
            "vendor": "Lumen AI Inc.",
            "tool_name": "Advert Polish (our own, on Lumen's language model)",
            "model_provenance": "foundation_model_api",
            "automation_level": "human_in_the_loop",
            "data_categories": ["none"],
            "affected_people": ["prospects"],
            "customer_facing": False,
            "significant_decisions": False,
            "vulnerable_groups": False,
            "markets": ["IE", "GB"],
            "operator_role": "provider",
            "sensitive_purposes": ["recruitment"],
            "art_6_3_conditions": ["improves_human_activity"],
            "art_6_3_grounds": (
                "It only rewrites the wording of an advert a recruiter has already written; it "
                "does not choose where the advert runs or who sees it, reads no applications, "
                "and the recruiter edits and publishes every advert."
            ),
            "outbound_contact": False,
            "people_affected": "1k_100k",
            "expected_benefits": "More and better-matched applicants for agent roles.",
            "kpis": "Applications per advert, first-month attrition of new agents.",
            "pilot_plan": "Adverts for two sites for eight weeks, against the old adverts.",
            "customer_disclosure": "",
        },
    ),
)


@dataclass(frozen=True)
class DemoKpi:
    """A KPI the team tracks on its entry, and the values it measured (days before the entry's
    story, value)."""

    name: str
    unit: str
    direction: str  # "higher" or "lower" is better
    baseline: str
    target: str
    values: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class DemoDeployment:
    """A registry entry of an approved demo use case, and what happened to it since."""

    title: str
    technical_owner: str
    entry: dict
    kpis: tuple[DemoKpi, ...] = ()
    # The pilot's results as the team judged them when it moved the entry to production.
    pilot_results: dict | None = None
    # Evidence with which the team marks the use case's remaining conditions met, waiting for
    # the council member of the role that set them to confirm.
    conditions_marked_met: str = ""
    # The inventory's models the entry runs on: (model name, version).
    model_versions: tuple[tuple[str, str], ...] = ()
    stages: tuple[str, ...] = ()
    incidents: tuple[tuple[str, str, str], ...] = ()  # (kind, severity, description)


DEPLOYMENTS = (
    DemoDeployment(
        title="Sentiment analytics on chat transcripts",
        technical_owner="cx.submitter",
        model_versions=(("Lumen Sentiment", "3.2"),),
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
            "public_name": "Understanding feedback in our web chat",
            "public_description": "After a chat ends, software reads the conversation to spot common"
            " themes and how customers felt, so that we can improve our service. It does not make"
            " decisions about you, and an adviser answers every chat.",
        },
        kpis=(
            DemoKpi(
                "Agreement with a human-coded sample",
                "%",
                "higher",
                "70",
                "80",
                values=((28, "74"), (14, "79"), (1, "82")),
            ),
        ),
        pilot_results={
            "results": "met",
            "results_summary": "Agreement with the human-coded sample rose from 70% to 82% over"
            " the four-week pilot; the complaint themes matched the analysts' manual review.",
        },
        stages=("production",),
        incidents=(
            ("other", "low", "Sarcasm in two transcripts was scored as positive; sample re-coded."),
        ),
    ),
    DemoDeployment(
        title="Next-best-offer e-mails",
        technical_owner="marketing.submitter",
        model_versions=(("NBO engine", "2026.3"), ("Atlas", "2026-03")),
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
            "public_name": "Offers chosen for you in our e-mails",
            "public_description": "Our marketing e-mails may show an offer picked automatically from"
            " what you have bought from us. You can turn these e-mails off at any time, and the"
            " offers never change your price or your contract.",
        },
        kpis=(
            DemoKpi(
                "Unsubscribe rate",
                "%",
                "lower",
                "2.4",
                "2.0",
                values=((21, "2.3"), (14, "2.2"), (7, "2.1")),
            ),
            DemoKpi(
                "Offer acceptance", "%", "higher", "3.1", "4.0", values=((14, "3.6"), (7, "3.8"))
            ),
        ),
        conditions_marked_met="First monthly report sent to the council: opt-outs 2.1%, complaints"
        " 0.02% of e-mails sent.",
    ),
    DemoDeployment(
        title="Agent assist: knowledge article suggestions",
        technical_owner="contact.submitter",
        model_versions=(("Atlas", "2026-03"),),
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
        kpis=(
            DemoKpi(
                "Average handling time",
                "s",
                "lower",
                "420",
                "380",
                values=((30, "401"), (14, "376")),
            ),
        ),
        pilot_results={
            "results": "met",
            "results_summary": "Average handling time fell from 420 s to 376 s in the pilot team;"
            " agents accepted 61% of suggestions and flagged 4 articles as wrong.",
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
        model_versions=(("Churn GBM", "2025.11"),),
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
        kpis=(
            DemoKpi(
                "Retention uplift", " points", "higher", "0", "2", values=((30, "1.4"), (14, "1.7"))
            ),
        ),
        pilot_results={
            "results": "partly_met",
            "results_summary": "Retention rose 1.7 points against a target of 2 in the pilot"
            " region; the council's conditions on the offer catalogue were met.",
        },
        stages=("production", "retired"),
    ),
)


# ---- the inventory: vendors assessed once, and the models teams share ------------------------


@dataclass(frozen=True)
class DemoVendor:
    name: str
    website: str
    # The assessment; dates in days before today (negative: ahead): `due_in` < 0 has lapsed.
    assessed_days_ago: int
    due_in: int
    dpa_signed: bool
    data_residency: str
    trains_on_our_data: str
    certifications: tuple[str, ...]
    sub_processors: tuple[str, ...] = ()
    security_review: str = ""


@dataclass(frozen=True)
class DemoModel:
    vendor: str  # "" for a model built in house
    name: str
    model_type: str
    versions: tuple[str, ...]  # oldest first
    general_purpose: bool = False
    model_card_url: str = ""


VENDORS = (
    DemoVendor(
        "Northwind AI", "https://northwind-ai.example", 120, 245, True, "eu_eea", "no",
        ("iso_27001", "soc2_type_ii", "iso_42001"), ("Cloud hosting: EU region of a hyperscaler",),
        "Penetration test summary and SOC 2 report reviewed; prompt and output logs kept 30 days.",
    ),
    DemoVendor(
        "Helpwise", "https://helpwise.example", 200, 165, True, "uk", "opt_out_available",
        ("iso_27001",), ("Northwind AI (model provider)",), "Questionnaire and ISO certificate.",
    ),
    DemoVendor(
        "Lumen Text Analytics", "https://lumen.example", 400, -35, True, "eu_eea", "no",
        ("iso_27001",), (), "Reviewed at onboarding; re-assessment overdue.",
    ),
    DemoVendor(
        "Acme Personalise", "https://acme-personalise.example", 90, 275, True, "uk", "no",
        ("iso_27001", "soc2_type_ii"), (), "SOC 2 report reviewed.",
    ),
)  # fmt: skip

MODELS = (
    DemoModel("Northwind AI", "Atlas", "llm", ("2025-10", "2026-03"), general_purpose=True,
              model_card_url="https://northwind-ai.example/atlas/model-card"),
    DemoModel("Lumen Text Analytics", "Lumen Sentiment", "classifier", ("3.2",)),
    DemoModel("Acme Personalise", "NBO engine", "recommender", ("2026.3",)),
    DemoModel("", "Churn GBM", "classifier", ("2025.11",)),
)  # fmt: skip
