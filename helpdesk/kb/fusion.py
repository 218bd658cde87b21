"""Words and meaning fused into one ranking.

The lexical ranking and the semantic one (cosine of sentence embeddings) score on scales
that have nothing in common, so each is min-max normalized over its own top `depth`: the
best of a side scores 1, its `depth`-th 0, and an article outside it 0 from that side. The
fused score is `lexical_weight` times the lexical part plus the rest times the semantic
part. Articles the words found keep their place when meaning agrees; an article no word
found can come up when its meaning is close enough (`min_similarity`).
"""

from dataclasses import dataclass


@dataclass
class Fusion:
    lexical_weight: float = 0.4
    depth: int = 10  # each side's top that is normalized and fused
    min_similarity: float = 0.25  # below this cosine an article is not close in meaning


def fuse(lexical, semantic, fusion, limit):
    """[(score, key)] best first, at most `limit`, from `lexical` and `semantic`, each a
    list of (score, key) best first (keys: whatever names an article on both sides)."""
    semantic = [(s, k) for s, k in semantic[:fusion.depth] if s >= fusion.min_similarity]
    lexical = lexical[:fusion.depth]
    words, meaning = _normalized(lexical), _normalized(semantic)
    order = {key: n for n, (_, key) in enumerate(lexical)}
    keys = list(order) + [k for _, k in semantic if k not in order]
    weight = fusion.lexical_weight
    scored = [(weight * words.get(k, 0.0) + (1 - weight) * meaning.get(k, 0.0), k)
              for k in keys]
    # Ties keep the lexical order, then the semantic one.
    rank = {k: n for n, k in enumerate(keys)}
    scored.sort(key=lambda item: (-item[0], rank[item[1]]))
    return scored[:limit]


def _normalized(ranked):
    """{key: score scaled to 0..1 over `ranked`}."""
    if not ranked:
        return {}
    high, low = ranked[0][0], ranked[-1][0]
    if high == low:
        return {key: 1.0 for _, key in ranked}
    return {key: (score - low) / (high - low) for score, key in ranked}
