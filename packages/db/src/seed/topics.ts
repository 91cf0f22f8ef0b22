// Tag popularity: a few topics are everywhere, most are niche (Zipf-like by rank in the vocabulary).
import { type Random, WeightedIndex, zipfWeights } from './random';
import { type TagInfo, tagVocabulary } from './words';

/** Stands in when a topic is missing (never, in practice; keeps the types honest). */
export const fallbackTopic: TagInfo = { name: 'programming', label: 'programming' };

const popularity = new WeightedIndex(zipfWeights(tagVocabulary.length, 1));

/** One tag, drawn by popularity. */
export function drawTag(rng: Random): TagInfo {
  return tagVocabulary[popularity.pick(rng)] as TagInfo;
}

/** 1–5 distinct tags, most often 2–3; the first is `preferred` about half of the time. */
export function drawArticleTags(rng: Random, preferred: TagInfo): TagInfo[] {
  const count = rng.weighted([1, 2, 3, 4, 5], [20, 30, 25, 15, 10]);
  const chosen = new Map<string, TagInfo>();
  if (rng.chance(0.5)) chosen.set(preferred.name, preferred);
  while (chosen.size < count) {
    const tag = drawTag(rng);
    chosen.set(tag.name, tag);
  }
  return [...chosen.values()];
}
