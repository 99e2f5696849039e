import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeClipArrays, encodeClipArrays } from "../../src/store/clip_codec.ts";
import { makeClip } from "./helpers.ts";

function bits(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

test("clip arrays round-trip bit for bit, odd floats included", () => {
  const clip = makeClip("c", 3, 5);
  const nanWithPayload = new Float32Array(new Uint32Array([0x7fc01234]).buffer)[0];
  clip.obs.set([Number.NaN, -0, 1e-45, Number.POSITIVE_INFINITY, -3.4e38, nanWithPayload]);
  clip.unhealthy = new Uint8Array([0, 1, 0, 0, 1]);
  clip.signals = {
    "footContact.back": new Float32Array([1, 0, 1, 0, 1]),
    "höhe ✓": new Float32Array([0.1, 0.2, 0.3, 0.4, -0]),
  };
  const back = decodeClipArrays(encodeClipArrays(clip));
  assert.deepEqual(bits(back.obs), bits(clip.obs));
  assert.deepEqual(bits(back.actions), bits(clip.actions));
  assert.deepEqual(bits(back.rewards), bits(clip.rewards));
  assert.equal(back.obsSize, 3);
  assert.equal(back.actSize, 2);
  assert.deepEqual(back.unhealthy, clip.unhealthy);
  assert.deepEqual(Object.keys(back.signals!), Object.keys(clip.signals));
  for (const k of Object.keys(clip.signals)) {
    assert.deepEqual(bits(back.signals![k]), bits(clip.signals[k]));
  }
});

test("absent optional arrays stay absent, empty signals stay empty", () => {
  const clip = makeClip("c", 1, 3);
  const back = decodeClipArrays(encodeClipArrays(clip));
  assert.equal("unhealthy" in back, false);
  assert.equal("signals" in back, false);
  const withEmpty = decodeClipArrays(encodeClipArrays({ ...clip, signals: {} }));
  assert.deepEqual(withEmpty.signals, {});
});

test("a zero-step clip round-trips", () => {
  const empty = {
    obs: new Float32Array(0),
    obsSize: 4,
    actions: new Float32Array(0),
    actSize: 1,
    rewards: new Float32Array(0),
  };
  assert.deepEqual(decodeClipArrays(encodeClipArrays(empty)), empty);
});

test("inconsistent shapes and damaged data are rejected", () => {
  const clip = makeClip("c", 1, 3);
  assert.throws(() => encodeClipArrays({ ...clip, obsSize: 4 }), /obs has 9 values/);
  assert.throws(
    () => encodeClipArrays({ ...clip, signals: { s: new Float32Array(2) } }),
    /signal 's'/,
  );
  const bytes = encodeClipArrays(clip);
  assert.throws(() => decodeClipArrays(bytes.subarray(0, bytes.length - 1)), /truncated/);
  const bad = bytes.slice();
  bad[0] = 0;
  assert.throws(() => decodeClipArrays(bad), /magic/);
});
