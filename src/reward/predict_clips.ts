import { type Clip, clipLength } from "../core/types.ts";
import type { RewardModel } from "./types.ts";

/**
 * r̂ per step of each clip, from one `predict` call over all their rows: a call per clip would
 * pad each short clip to a full compiled batch.
 */
export function predictClips(model: RewardModel, clips: readonly Clip[]): Float32Array[] {
  if (clips.length === 0) return [];
  let rows = 0;
  for (const clip of clips) rows += clipLength(clip);
  const { obsSize, actSize } = clips[0];
  const obs = new Float32Array(rows * obsSize);
  const actions = new Float32Array(rows * actSize);
  let at = 0;
  for (const clip of clips) {
    const n = clipLength(clip);
    obs.set(clip.obs.subarray(0, n * obsSize), at * obsSize);
    actions.set(clip.actions.subarray(0, n * actSize), at * actSize);
    at += n;
  }
  const predicted = model.predict(obs, actions);
  at = 0;
  return clips.map((clip) => {
    const n = clipLength(clip);
    at += n;
    return predicted.slice(at - n, at);
  });
}
