"""A synthetic network played forward, week by week, to show what reciprocity does.

In memory, with the same pure scoring and assignment functions as real runs (no database):
organisations (a third emerging) offer competences with a monthly capacity and post needs;
every week the matcher proposes up to k offers per open need under the same rules as
`candidates.py` (same competence or same domain, a shared language, another organisation,
capacity left, never past the recipient's floor counting the solidarity allowance); each
side accepts with some probability; an accepted proposal becomes an exchange whose hours
are declared and settled at once (the fund pays an emerging recipient's hours while its
yearly allowance lasts). A settlement that would cross a floor is refused and counted:
with the floor rule of `candidates.affordable_needs` applied each week, none is.

Played twice on the same random network and the same random draws, with the configured
weights and with the reciprocity weight at 0, it reports for each:

- the Gini coefficient of the absolute balances (0: everyone equally close to balance);
- the share of members that both gave and received;
- the hours that reached emerging members;
- the price of reciprocity: each week, with reciprocity on, the part of the best possible
  score *without* reciprocity that the chosen proposals give up, summed over the year.
"""

import random
from dataclasses import dataclass, field

import numpy as np

from sem.matching import assignment, scoring

COMPETENCES, PER_DOMAIN = 24, 4
WORDS = [f"w{i}" for i in range(40)]


@dataclass
class Org:
    id: int
    emerging: bool
    commune: int
    publics: int
    languages: int
    floor: int
    balance: int = 0
    given: int = 0
    received: int = 0
    allowance_used: int = 0


@dataclass
class Post:
    id: int
    org: int
    competence: int
    languages: int
    tokens: list
    minutes: int = 0  # a need's estimate
    capacity: int = 0  # an offer's monthly capacity
    used: int = 0  # an offer's minutes given this month
    week: int = 0
    urgent: bool = False
    proposed: set = field(default_factory=set)


@dataclass
class Outcome:
    label: str
    gini: float
    both_share: float
    emerging_hours: float
    hours: float
    exchanges: int
    price: float
    floor_refusals: int
    lowest_margin: int  # the smallest balance − floor seen, in minutes (≥ 0: never past a floor)


def gini(values) -> float:
    x = np.sort(np.abs(np.asarray(values, dtype=float)))
    if len(x) == 0 or x.sum() == 0:
        return 0.0
    n = len(x)
    return float((2 * np.arange(1, n + 1) - n - 1).dot(x) / (n * x.sum()))


def _network(rng: random.Random, orgs: int) -> tuple[list[Org], list[Post]]:
    members, offers = [], []
    for i in range(orgs):
        emerging = rng.random() < 0.35
        org = Org(i, emerging, rng.randrange(19), rng.getrandbits(8) | 1 << rng.randrange(8),
                  rng.choice((1, 1, 3, 3, 2)), -20 * 60 if emerging else -5 * 60)
        members.append(org)
        for _ in range(rng.choice((0, 1)) if emerging else rng.choice((1, 2, 2, 3))):
            competence = rng.randrange(COMPETENCES)
            offers.append(Post(len(offers), i, competence, org.languages, [f"c{competence}", *rng.sample(WORDS, 4)],
                               capacity=rng.choice((4, 6, 8, 10)) * 60 if not emerging else 2 * 60))
    return members, offers


class Simulation:
    def __init__(self, *, orgs: int, seed: int, weights: dict, k: int, accept: float, allowance: int, fund: int):
        self.rng = random.Random(seed)  # noqa: S311 - a simulation, not a secret
        self.members, self.offers = _network(self.rng, orgs)
        self.weights, self.k, self.accept = weights, k, accept
        self.allowance, self.fund = allowance, fund
        self.needs: list[Post] = []
        self.next_need = 0
        self.refusals, self.price_lost, self.price_best = 0, 0.0, 0.0
        self.lowest_margin = min(o.balance - o.floor for o in self.members)
        self.exchanges, self.emerging_minutes = 0, 0

    def headroom(self, org: Org) -> int:
        left = min(max(0, self.allowance - org.allowance_used), self.fund) if org.emerging else 0
        return org.balance - org.floor + left

    def post_needs(self, week: int) -> None:
        for org in self.members:
            if self.rng.random() < (0.35 if org.emerging else 0.2):
                competence = self.rng.randrange(COMPETENCES)
                self.needs.append(Post(self.next_need, org.id, competence, org.languages,
                                       [f"c{competence}", *self.rng.sample(WORDS, 4)],
                                       minutes=self.rng.choice((1, 2, 3, 4, 6)) * 60, week=week,
                                       urgent=self.rng.random() < 0.2))
                self.next_need += 1

    def candidates(self, week: int):
        pn, po = [], []
        # The credit-floor rule of candidates.affordable_needs: a recipient's needs are
        # admitted urgent first, then oldest first, while their estimates fit together.
        room = {m.id: self.headroom(m) for m in self.members}
        admitted = set()
        for i in sorted(range(len(self.needs)), key=lambda i: (not self.needs[i].urgent, self.needs[i].week, i)):
            need = self.needs[i]
            if need.minutes <= room[need.org]:
                room[need.org] -= need.minutes
                admitted.add(i)
        for i, need in enumerate(self.needs):
            if i not in admitted:
                continue
            same = [j for j, o in enumerate(self.offers) if o.competence == need.competence]
            pool = same if len(same) >= self.k else same + [
                j for j, o in enumerate(self.offers)
                if o.competence != need.competence and o.competence // PER_DOMAIN == need.competence // PER_DOMAIN]
            for j in pool:
                offer = self.offers[j]
                if (offer.org != need.org and offer.languages & need.languages and offer.capacity - offer.used >= 60
                        and j not in need.proposed):
                    pn.append(i)
                    po.append(j)
        pn, po = np.array(pn, dtype=np.int64), np.array(po, dtype=np.int64)
        return pn, po

    def parts(self, pn, po, week: int) -> dict:
        needs, offers, members = self.needs, self.offers, self.members
        model = scoring.TextModel([p.tokens for p in needs] + [p.tokens for p in offers])
        need_org = np.array([needs[i].org for i in pn], dtype=np.int64)
        offer_org = np.array([offers[j].org for j in po], dtype=np.int64)
        balance = np.array([m.balance for m in members])
        emerging = np.array([m.emerging for m in members])
        publics = np.array([m.publics for m in members], dtype=np.uint64)
        commune = np.array([m.commune for m in members])
        return {
            "competence": scoring.competence_fit(np.array([needs[i].competence == offers[j].competence
                                                           for i, j in zip(pn, po, strict=True)])),
            "text": scoring.text_similarity(model.matrix([p.tokens for p in needs]),
                                            model.matrix([p.tokens for p in offers]), pn, po),
            "urgency": scoring.urgency(urgent=np.array([needs[i].urgent for i in pn]),
                                       waiting_days=np.array([7.0 * (week - needs[i].week) for i in pn]),
                                       days_to_wish=np.full(len(pn), np.nan)),
            "reciprocity": scoring.reciprocity(provider_balance=balance[offer_org],
                                               recipient_balance=balance[need_org],
                                               recipient_emerging=emerging[need_org]),
            "publics": scoring.shared_publics(publics[need_org], publics[offer_org]),
            "partnership": np.ones(len(pn)),
            "proximity": scoring.proximity(commune[need_org], commune[offer_org]),
        }

    def settle(self, need: Post, offer: Post) -> bool:
        provider, recipient = self.members[offer.org], self.members[need.org]
        minutes = need.minutes
        fund_share = min(minutes, max(0, self.allowance - recipient.allowance_used), self.fund) \
            if recipient.emerging else 0
        if recipient.balance - (minutes - fund_share) < recipient.floor:
            self.refusals += 1
            return False
        self.fund -= fund_share
        recipient.allowance_used += fund_share
        recipient.balance -= minutes - fund_share
        provider.balance += minutes
        provider.given += minutes
        recipient.received += minutes
        offer.used += minutes
        self.exchanges += 1
        if recipient.emerging:
            self.emerging_minutes += minutes
        self.lowest_margin = min(self.lowest_margin, recipient.balance - recipient.floor)
        return True

    def week(self, week: int) -> None:
        if week % 4 == 0:
            for offer in self.offers:
                offer.used = 0
        if week % 52 == 0:
            for org in self.members:
                org.allowance_used = 0
        self.post_needs(week)
        self.needs = [n for n in self.needs if week - n.week < 8]
        pn, po = self.candidates(week)
        if not len(pn):
            return
        parts = self.parts(pn, po, week)
        need_limit = np.full(len(self.needs), self.k)
        offer_limit = np.array([max(0, (o.capacity - o.used) // assignment.OFFER_UNIT_MINUTES) for o in self.offers])
        scores = scoring.total(parts, self.weights)
        groups = assignment.group_of(pn, [self.offers[j].org for j in po])
        chosen = assignment.assign(need_limit, offer_limit, pn, po, scores, groups, in_process=True).chosen
        if self.weights["reciprocity"]:
            # What the reciprocity part costs: the best score without it, against what the
            # chosen proposals score without it.
            plain_weights = {**self.weights, "reciprocity": 0}
            plain = scoring.total(parts, plain_weights)
            best = assignment.assign(need_limit, offer_limit, pn, po, plain, groups, in_process=True)
            self.price_best += best.total
            self.price_lost += best.total - float(plain[chosen].sum())
        done = set()
        for c in sorted(chosen, key=lambda c: -scores[c]):
            need, offer = self.needs[pn[c]], self.offers[po[c]]
            need.proposed.add(po[c])
            if need.id in done:
                continue
            if self.rng.random() < self.accept and self.rng.random() < self.accept ** 0.5:
                if offer.capacity - offer.used >= min(need.minutes, 60) and self.settle(need, offer):
                    done.add(need.id)
        self.needs = [n for n in self.needs if n.id not in done]

    def outcome(self, label: str) -> Outcome:
        both = sum(1 for m in self.members if m.given and m.received)
        return Outcome(label, gini([m.balance for m in self.members]), both / len(self.members),
                       self.emerging_minutes / 60, sum(m.given for m in self.members) / 60, self.exchanges,
                       self.price_lost / self.price_best if self.price_best else 0.0, self.refusals, self.lowest_margin)


def simulate(*, weeks: int = 52, orgs: int = 120, seed: int = 1, weights: dict | None = None, k: int = 2,
             accept: float = 0.6, allowance: int = 20 * 60, fund: int = 200 * 60) -> list[Outcome]:
    """Both rows: with the configured weights, and with the reciprocity weight at 0."""
    weights = scoring.clean_weights(weights)
    rows = []
    for label, w in (("with reciprocity", weights), ("without reciprocity", {**weights, "reciprocity": 0})):
        sim = Simulation(orgs=orgs, seed=seed, weights=w, k=k, accept=accept, allowance=allowance, fund=fund)
        for week in range(weeks):
            sim.week(week)
        rows.append(sim.outcome(label))
    return rows
