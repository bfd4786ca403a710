"""How staff say it, and how the council's documents say it.

Staff ask "can I get sued?", the policy says "risk of legal action". Each rule below maps everyday,
council and social media phrasing onto the vocabulary of the council's documents; a question that
matches a rule is searched with the rule's terms as well as its own words (at a lower weight).

`DOMAIN_TERMS` are words that place a question in the policy's territory (social media, online
posting, the policy's own duties). A question that names none of them and whose words the documents
mostly do not use is declined rather than answered with a weak match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    expansion: str


def _rules(table: list[tuple[str, str]]) -> tuple[Rule, ...]:
    return tuple(Rule(re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE), expansion) for pattern, expansion in table)


RULES = _rules([
    # Platforms and what people call them.
    (r"fb\b|facebook|insta\b|ig\b|instagram|tiktok|tik tok|snapchat|whatsapp|threads\b|bluesky|mastodon|reddit|"
     r"pinterest|nextdoor|tweet\w*|twitter|x\.com|linkedin|youtube|yt\b|flickr|yammer|vimeo|podcast|vlog",
     "social media"),
    (r"what (?:counts|is classed|is classified) as|count as|considered|class(?:ed)? as|definition|define|mean by",
     "term social media includes range channels online tools interactive media"),
    (r"blog\w*|forum\w*|message boards?|discussion boards?|online groups?|facebook groups?|community groups?",
     "blogs forums online discussion professional forum"),
    # Accounts, pages, approvals.
    (r"(?:set|setting|sets) up|start(?:ing)? (?:a|an|our|my)|open(?:ing)? (?:a|an)|creat\w+|launch\w*|new (?:page|account|"
     r"channel|profile|group|feed|handle)|our own (?:page|account|channel|profile)|go ahead|sign(?:ed)?[- ]off|"
     r"permission|approv\w*|green light|ok to (?:start|set)|who decides|decid\w+|authori[sz]\w*",
     "council social media accounts authorised communication marketing approval relevant corporate director"),
    (r"pages?|accounts?|channels?|profiles?|handles?|feeds?",
     "social media accounts channels"),
    (r"register|official list|list\w* (?:\w+ ){0,4}(?:accounts?|pages?|profiles?)|which (?:accounts?|pages?) (?:are|is)|"
     r"official (?:accounts?|pages?)|(?:real|genuine|fake|legit\w*|imposter|impersonat\w+) (?:\w+ ){0,2}(?:accounts?|pages?|"
     r"profiles?)|(?:one|any) of ours|is (?:this|that|it) (?:account|page )?ours",
     "register authorised social media accounts communication marketing"),
    (r"log[- ]?ins? (?:to|for) (?:the |our |a )?(?:\w+ ){0,3}(?:accounts?|pages?)|(?:accounts?|pages?|twitter|facebook|"
     r"instagram) (?:\w+ ){0,2}(?:log[- ]?ins?|passwords?)|passwords? (?:for|to) (?:the |our )?(?:\w+ ){0,2}(?:accounts?|pages?)|"
     r"who can log[- ]?in|admin rights|access to (?:the|our|a) (?:council|corporate|main)",
     "corporate accounts accessed monitored register access"),
    (r"(?:reply|replies|replying|respond\w*|answer\w*) (?:to )?(?:\w+ ){0,1}(?:customers|residents?'?|people|comments|"
     r"messages|enquiries|questions)|customer (?:contact|enquiries|service)|own (?:\w+ ){0,3}(?:access|log[- ]?ins?)|"
     r"run (?:its|our|their) own (?:page|account)s?|business case|service (?:account|page)s?",
     "providing access services deal directly customer contact valid business case co-ordinate"),
    # Children and vulnerable people.
    (r"kids?|child\w*|young people|youngsters|teen\w*|pupil\w*|school\w*|foster\w*|looked[- ]after|care leavers?|"
     r"vulnerable|safeguard\w*|minors?|bab(?:y|ies)|under[- ]?(?:16|18)s?|youth|care homes?|elderly|older people|"
     r"disab\w+|dementia|service users|patients",
     "safeguard children young people vulnerable adults duty"),
    (r"photo\w*|pic\w*|picture\w*|image\w*|selfie\w*|video\w*|footage|filming|films?",
     "images personal data photographs video disclosure safeguarding"),
    (r"gdpr|data protection|personal (?:info|information|details)|confidential\w*|private information|leak\w*|"
     r"names? and addresses|case (?:notes|details)",
     "disclosure confidential information personal data"),
    # Risks.
    (r"risk\w*|danger\w*|go wrong|goes wrong|threat\w*|pitfall\w*|downside\w*|problems?",
     "risks identified damage reputation legal action confidential malware phishing bullying productivity"),
    (r"dodgy (?:links?|messages?|emails?|dms?|attachments?)|scam\w*|phish\w*|suspicious (?:link|message|email)|hack\w*|virus\w*|malware|ransomware|"
     r"click(?:ed)? (?:a|on a|the) link|fake (?:link|login)",
     "virus malware malicious software infection social engineering attacks phishing"),
    (r"troll\w*|bull(?:y|ied|ying)|harass\w*|abus\w*|pile[- ]on|witch[- ]?hunt\w*|hate|nasty comments|"
     r"threatening",
     "bullying witch-hunting"),
    (r"waste of time|time[- ]wasting|time wasting|productiv\w*|scroll\w*|browsing|on (?:my|a|the|your) break|"
     r"lunch ?break|for fun|personal use at work|during work(?:ing)? (?:time|hours)",
     "lost productivity personal use social media during work time access"),
    # Politics, reputation.
    (r"politic\w*|election\w*|vote\w*|voting|party|parties|labour|tory|tories|conservative|lib ?dem\w*|reform uk|"
     r"green party|councillor candidates?|campaign(?:ing)? for|brexit|referendum|my views|my opinions?",
     "maintain political neutrality individual political opinions"),
    (r"criticis\w+|slag\w* off|moan\w*|complain\w* about (?:the council|my job|work)|badmouth\w*|embarrass\w*|"
     r"bad light|disrepute|make (?:us|the council) look bad|rant\w*",
     "reputation business brought into disrepute"),
    (r"bad press|press coverage|negative (?:comments|coverage|posts|reviews|publicity|attention)|slated|slamm\w*|"
     r"backlash|went viral|gone viral|going viral|viral|crisis|shitstorm|storm|complaints? (?:online|on social)|"
     r"kicking off|kicked off|outrage|angry (?:residents|comments|posts|people)|media attention|journalist\w*|"
     r"reporter\w*|(?:local |the )?(?:news)?papers?|newspapers?|press|going badly|gone wrong|backfir\w*|"
     r"comments section|full of (?:angry|negative|abusive|nasty)|complain\w* (?:online|on)",
     "reputational issues initial advice communications marketing signposting HR legal services"),
    # Law and consequences.
    (r"su(?:e|ed|ing)\b|lawsuit\w*|court\w*|libel\w*|defam\w*|slander\w*|legal\w*|law\b|laws\b|lawyer\w*|"
     r"solicitor\w*|illegal|copyright\w*|breach\w* of (?:the )?law",
     "act in accordance with the law risk of legal action individually council employer"),
    (r"terms (?:and|&) conditions|t ?& ?cs?|platform(?:'s)? rules|community (?:guidelines|standards)|"
     r"(?:facebook|twitter|instagram|tiktok|youtube|linkedin)(?:'s)? (?:rules|terms|policies)",
     "abide relevant applicable laws terms conditions"),
    (r"sack\w*|fired|dismiss\w*|punish\w*|disciplin\w*|consequence\w*|get in(?:to)? trouble|in trouble|"
     r"warnings?|penalt\w*|what happens if|breach\w*|break(?:ing)? the (?:rules|policy)",
     "breached policy subject disciplinary procedure"),
    (r"police|arrest\w*|crim\w*|prosecut\w*|offen[cs]e\w*|jail|prison",
     "criminal offence committed prosecution offenders further action"),
    # People and duties.
    (r"report\w*|whistle\w*|flag\w* (?:up|it)|who do i tell|who should i tell|tell someone|raise (?:it|a concern)|"
     r"misus\w*|inappropriate (?:post|comment|behaviour)|rude|offensive|unprofessional",
     "misuse of social media must be reported promptly to employee line manager"),
    (r"manager\w*|team leader\w*|supervisor\w*|my boss|bosses|head of service|managing (?:a|my) team|my team|"
     r"my staff|direct reports?|people i manage",
     "line managers ensure employees aware policy responsible act in accordance with requirements"),
    (r"hr|human resources|personnel|conduct|behaviou?r\w*|performance|capability",
     "HR service advice managers individual performance conduct issues"),
    (r"what (?:should|do|can|must) (?:i|we) do|what to do|who (?:do|should) (?:i|we) (?:go to|contact|ask|speak to)",
     "reported promptly line manager initial advice"),
    (r"advis\w*|advice|support for managers|help(?:s)? (?:managers|me|us)",
     "provide advice"),
    (r"(?:advi[cs]e\w*|support|guidance|help\w*) (?:\w+ ){0,3}managers?|managers? (?:\w+ ){0,3}(?:advi[cs]e\w*|support|"
     r"guidance|help)",
     "HR service provide advice to managers individual performance conduct issues"),
    (r"do i (?:have|need) to read|read (?:the|this) policy|responsib\w+|my duties|what do i have to do|"
     r"uphold|comply|compliance",
     "employees responsible upholding policy read understand"),
    (r"train\w*(?! videos?)|course\w*|e-?learning|module\w*|learn\w*|workshop\w*|induction|teach\w*|awareness",
     "HR basic awareness training digital social media elearning module"),
    (r"who (?:owns|wrote|writes|maintains|updates|looks after|is responsible for)|own(?:s|ed)? (?:this|the) policy|"
     r"maintain\w*|keeps? (?:this|the) policy|(?:department|team|service) (?:owns|behind|responsible|maintains)|"
     r"(?:which|what) (?:department|team|service)|owners?|(?:in charge of|update\w*) (?:\w+ ){0,4}policy",
     "communications marketing service maintain social media policy promote guidelines"),
    (r"comms|communications? team|press office|marketing",
     "communications marketing service"),
    (r"monitor\w*|keep(?:s|ing)? an eye|track\w*|watch(?:es|ing)? what|listen\w*|mentions?|analytics|insight\w*|"
     r"what people (?:say|are saying)|sentiment",
     "monitor social media usage interaction public mentions data gathered insight"),
    (r"block\w*|filter\w*|firewall|banned (?:site|sites)|restricted|inappropriate (?:content|sites|material|websites?)|"
     r"dodgy (?:websites?|sites?|content)|looking at (?:\w+ ){0,2}(?:websites?|sites?)|"
     r"adult (?:content|sites)|porn\w*|gambling",
     "ICT service monitor access inappropriate content blocking filtering network IT security"),
    (r"watch\w*|stream\w*|youtube at work|netflix|iplayer|spotify",
     "access social streaming media open by default devices network"),
    (r"laptops?|pc|pcs|computers?|desktops?|work phone|council (?:phone|device|devices|network|wifi|wi-fi)|wi-?fi|network|"
     r"device\w*",
     "devices council network access open by default"),
    # Who and what the policy covers.
    (r"agenc\w+|contractor\w*|contracted|temp\w*|freelanc\w*|consultant\w*|volunteer\w*|partner organisations?|"
     r"third part(?:y|ies)|supplier\w*|work(?:ing|s)? for (?:the council|us)|interims?",
     "employed contracted directly indirectly working on council behalf scope cover"),
    (r"councillor\w*|elected members?|members?",
     "councillors members code of conduct for members"),
    (r"my own|personal|private (?:account|profile|page)|in my (?:own|spare) time|at (?:the )?weekends?|"
     r"outside (?:of )?work|off duty|out of hours|evenings?",
     "personal use social media not cover employee code of conduct email internet policy"),
    (r"cover\w*|apply|applies|scope|in scope|does (?:this|it) include|who does (?:this|it)|relevant to me",
     "policy designed to cover work-related use scope"),
    (r"professional (?:forum|network|body|association)|trade (?:association|body)|industry (?:forum|group)|"
     r"as a council officer|in my (?:work|professional|job) (?:role|capacity)|identif\w+ (?:myself|as)",
     "participation social media sites not managed council professional capacity identifies employee"),
    (r"review\w*|tripadvisor|trustpilot|google reviews|feedback",
     "monitoring feedback about a service reviews comments"),
    (r"purposes?|point of|aim\w*|goal\w*|objective\w*|trying to (?:achieve|do)|why (?:do|does) (?:we|the council) have|"
     r"what is (?:this|the) policy (?:for|about)",
     "purpose of this policy ensure safe appropriate purposeful legal"),
    (r"why (?:does|do|should) (?:the council|we|councils) (?:use|be on)|residents?|public|engage\w*|talk\w* (?:to|with)|"
     r"communicat\w* with",
     "stay connected interact residents customers partners engage public communication"),
    (r"(?:don'?t|do not|never) (?:use|do|have)|not on (?:any )?(?:social|facebook|twitter|\w+ media)|never use|"
     r"why should i (?:read|care|bother)|still (?:matter|apply|relevant)|(?:matter|apply|applies) to me",
     "professional responsibilities all council employees understand even if they don't use social networks"),
    (r"based on|best practice|where (?:did|does) (?:this|the) policy come from|sources?|who (?:was|were) consulted|"
     r"research|bodies|guidance (?:used|documents)|(?:writ\w+|wrote|draft\w*) (?:the |this )?policy|look(?:ed)? at when",
     "developed best practice guidance documents published local government association acas cabinet office"),
    (r"guideline\w*|guidance|more detail\w*|detailed|how[- ]to|rules? of thumb|dos and don'?ts|handbook|manual",
     "social media guidelines detailed guidance standards expected"),
    (r"(?:reach|engage|engaging|connect with|talk to) (?:\w+ ){0,2}(?:young people|audiences?|more people|the public)",
     "engage with a wider range of audiences including young people respond increasing public use communicate"),
    (r"strateg\w*|vision|campaign\w*|promot\w*|advertis\w*",
     "strategy strategic vision promotion key campaigns projects events"),
    (r"measur\w*|evaluat\w*|metrics?|stats|statistics|engagement (?:rate|figures)|cost\w*|sav(?:e|es|ing)\w*|money",
     "evaluate measure usage social media impact cost savings"),
    (r"equalit\w*|diversity|discriminat\w*|inclusi\w*|accessib\w*|it security|code of conduct|email and internet|"
     r"other polic\w+",
     "accordance social media guidelines code of conduct IT security policy email internet policy equality diversity"),
])

# Platform names are instances of "social media", rarely the topic: "a new Facebook page" is about
# authorising accounts, not about the paragraph that lists Facebook. They count at a lower weight unless
# the question asks what social media is.
PLATFORM_WORDS = frozenset("""
facebook fb twitter tweet tweets tweeting insta instagram ig tiktok snapchat whatsapp threads bluesky mastodon
reddit pinterest nextdoor linkedin youtube yt flickr yammer vimeo x
""".split())
DEFINITION_RE = re.compile(r"what (?:counts|is classed|is classified) as|count as|considered|class(?:ed)? as|"
                           r"definition|define|mean by|is \w+ (?:a )?social media", re.IGNORECASE)

# Words that place a question in the territory of the Social Media Policy (matched after stemming).
DOMAIN_WORDS = tuple("""
social media online internet web website post posting posted share reshare retweet tweet twitter facebook fb
instagram insta linkedin youtube tiktok snapchat whatsapp flickr yammer blog vlog forum podcast streaming channel
account page profile handle hashtag followers comment comments likes dm viral troll trolls phishing hacked hack
malware virus guidelines networking site sites app platform platforms digital selfie photo photos picture pictures
image images video videos upload livestream
""".split())


def expand(question: str) -> list[str]:
    """The document-vocabulary expansions that apply to `question`, one string per matching rule."""
    return [rule.expansion for rule in RULES if rule.pattern.search(question)]
