/**
 * One MjData over a shared MjModel, with fast access to its arrays.
 *
 * mujoco-js hands out arrays such as `data.qpos` as fresh typed-array views on each property
 * read (about 0.3–3 µs each), and those views detach whenever the wasm heap grows. A Sim reads
 * each array's address once, keeps one Float64Array over the whole heap, and makes that view
 * again only when it has detached (length 0). Fields of MjData that live in its main buffer
 * (qpos, qvel, ctrl, xpos, geom_xpos, geom_xmat, site_xpos, cfrc_ext, qfrc_constraint) never
 * move while the MjData lives.
 */
import { type MjData, type MjModel, mujoco } from "./loader.ts";

function address(view: unknown): number {
  return (view as Float64Array).byteOffset >> 3;
}

export class Sim {
  readonly model: MjModel;
  readonly data: MjData;
  readonly nq: number;
  readonly nv: number;
  readonly nu: number;
  readonly nbody: number;
  readonly ngeom: number;
  /** Addresses, in float64 units, of MjData arrays in the heap. */
  readonly qpos: number;
  readonly qvel: number;
  readonly ctrl: number;
  readonly xpos: number;
  readonly geomXpos: number;
  readonly geomXmat: number;
  readonly siteXpos: number;
  readonly cfrcExt: number;
  readonly qfrcConstraint: number;
  private f64: Float64Array;
  private deleted = false;

  constructor(model: MjModel) {
    this.model = model;
    this.data = new mujoco.MjData(model);
    const d = this.data;
    this.nq = model.nq;
    this.nv = model.nv;
    this.nu = model.nu;
    this.nbody = model.nbody;
    this.ngeom = model.ngeom;
    this.qpos = address(d.qpos);
    this.qvel = address(d.qvel);
    this.ctrl = address(d.ctrl);
    this.xpos = address(d.xpos);
    this.geomXpos = address(d.geom_xpos);
    this.geomXmat = address(d.geom_xmat);
    this.siteXpos = address(d.site_xpos);
    this.cfrcExt = address(d.cfrc_ext);
    this.qfrcConstraint = address(d.qfrc_constraint);
    this.f64 = new Float64Array((d.qpos as Float64Array).buffer);
  }

  /** A Float64Array over the whole wasm heap; index it with the addresses above. */
  get heap(): Float64Array {
    if (this.f64.length === 0) this.f64 = new Float64Array((this.data.qpos as Float64Array).buffer);
    return this.f64;
  }

  /** `n` calls of mj_step (Gymnasium's `mj_step(model, data, nstep=n)`). */
  step(n: number): void {
    const m = this.model;
    const d = this.data;
    for (let i = 0; i < n; i++) mujoco.mj_step(m, d);
  }

  forward(): void {
    mujoco.mj_forward(this.model, this.data);
  }

  /** Computes cacc, cfrc_int and cfrc_ext, which mj_step leaves stale. */
  rnePostConstraint(): void {
    mujoco.mj_rnePostConstraint(this.model, this.data);
  }

  resetData(): void {
    mujoco.mj_resetData(this.model, this.data);
  }

  /** Copies of qpos and qvel. */
  state(): { qpos: Float64Array; qvel: Float64Array } {
    const h = this.heap;
    return {
      qpos: h.slice(this.qpos, this.qpos + this.nq),
      qvel: h.slice(this.qvel, this.qvel + this.nv),
    };
  }

  /** Sets qpos and qvel (either may be omitted) and recomputes everything with mj_forward. */
  setState(qpos?: ArrayLike<number>, qvel?: ArrayLike<number>): void {
    const h = this.heap;
    if (qpos !== undefined) {
      if (qpos.length !== this.nq)
        throw new Error(`setState: qpos needs ${this.nq} numbers, got ${qpos.length}`);
      for (let i = 0; i < this.nq; i++) h[this.qpos + i] = qpos[i];
    }
    if (qvel !== undefined) {
      if (qvel.length !== this.nv)
        throw new Error(`setState: qvel needs ${this.nv} numbers, got ${qvel.length}`);
      for (let i = 0; i < this.nv; i++) h[this.qvel + i] = qvel[i];
    }
    this.forward();
  }

  delete(): void {
    if (this.deleted) return;
    this.deleted = true;
    this.data.delete();
  }
}
