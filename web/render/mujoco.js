/**
 * MuJoCo clips, drawn with three.js. Frames carry only `qpos`; the run's scene description
 * (`runInfo.scene`, from `sceneDescription` in src/envs/mujoco/scene.ts) gives the bodies,
 * joints and geoms. Each frame runs MuJoCo's forward kinematics here (mj_kinematics: bodies in
 * order, each placed on its parent, then its joints applied: slide, hinge, ball or free) and
 * places the geoms. The camera follows `scene.view`: a side view (`xz`), a top view (`xy`) or a
 * chase camera, tracking `trackBodyId` when it is set. z is up, as in MuJoCo.
 */
import * as THREE from "/vendor/three.module.js";
import { context2d } from "./_2d.js";

/** @import { Frame, RunInfo } from "../../src/server/api_types.ts" */
/** @import { SceneDescription, SceneGeom } from "../../src/envs/mujoco/scene.ts" */

/** @typedef {Extract<Frame, {kind: "mujoco"}>} MujocoFrame */
/** @typedef {{pos: THREE.Vector3, quat: THREE.Quaternion}} Pose */

/**
 * @param {HTMLCanvasElement} canvas
 * @param {RunInfo | null} runInfo
 */
export function create(canvas, runInfo) {
  // RunInfo.scene is `sceneDescription(envId)` for MuJoCo envs (null otherwise).
  const scene = /** @type {SceneDescription | null | undefined} */ (runInfo?.scene);
  if (!scene?.bodies || !scene?.geoms) return notice(canvas, runInfo);
  let renderer;
  try {
    // preserveDrawingBuffer keeps the last frame readable (tests and screenshots sample it).
    renderer = new THREE.WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
  } catch (err) {
    console.warn("WebGL is not available:", err);
    return notice(canvas, runInfo, "WebGL is not available in this browser");
  }
  renderer.setPixelRatio(1); // the canvas is already sized in device pixels
  renderer.setSize(canvas.width, canvas.height, false);
  renderer.setClearColor(0xdde4ec);

  const world = new THREE.Scene();
  world.fog = null;
  const hemi = new THREE.HemisphereLight(0xffffff, 0x667080, 1.6);
  hemi.position.set(0, 0, 1);
  world.add(hemi);
  const sun = new THREE.DirectionalLight(0xffffff, 1.6);
  sun.position.set(-2, -4, 6);
  world.add(sun);

  const kin = kinematics(scene);
  const meshes = new Map();
  for (const g of scene.geoms) {
    const mesh = geomMesh(g);
    if (!mesh) continue;
    if (g.bodyId === 0) {
      mesh.position.fromArray(g.pos);
      mesh.quaternion.copy(quat(g.quat));
    }
    world.add(mesh);
    meshes.set(g.id, mesh);
  }

  const view = scene.view ?? { trackBodyId: null, plane: null };
  const extent = modelExtent(scene, kin, view.trackBodyId == null);
  const camera = new THREE.PerspectiveCamera(40, canvas.width / canvas.height, 0.01, 200);
  camera.up.set(0, 0, 1);
  const target = new THREE.Vector3();

  return {
    /** @param {MujocoFrame | undefined} frame */
    draw(frame) {
      const qpos = frame?.qpos;
      if (!qpos || qpos.length !== scene.nq) return;
      const bodies = kin.run(qpos);
      for (const g of scene.geoms) {
        if (g.bodyId === 0) continue;
        const mesh = meshes.get(g.id);
        if (mesh) geomPose(g, bodies, mesh.position, mesh.quaternion);
      }
      placeCamera(camera, view, bodies, extent, target);
      renderer.render(world, camera);
    },
    resize() {
      renderer.setSize(canvas.width, canvas.height, false);
      camera.aspect = canvas.width / canvas.height;
      camera.updateProjectionMatrix();
    },
    dispose() {
      renderer.dispose();
    },
  };
}

/**
 * MuJoCo quaternions are (w, x, y, z); three.js takes (x, y, z, w).
 * @param {number[] | undefined} q
 */
function quat(q) {
  return q ? new THREE.Quaternion(q[1], q[2], q[3], q[0]).normalize() : new THREE.Quaternion();
}

/**
 * The world pose of geom `g` on its body's pose (from `kinematics(scene).run`), as MuJoCo's
 * geom_xpos and geom_xmat: written into `pos` (a THREE.Vector3) and `quat` (a THREE.Quaternion).
 * @param {SceneGeom} g
 * @param {Pose[]} bodies
 * @param {THREE.Vector3} pos
 * @param {THREE.Quaternion} quaternion
 */
export function geomPose(g, bodies, pos, quaternion) {
  const b = bodies[g.bodyId];
  pos.fromArray(g.pos).applyQuaternion(b.quat).add(b.pos);
  quaternion.copy(b.quat).multiply(quat(g.quat));
}

/**
 * mj_kinematics over the scene's bodies and joints; `run(qpos)` gives each body's world pose
 * (`{pos, quat}` by body id, reused between calls). Pure: it draws nothing.
 * @param {SceneDescription} scene
 */
export function kinematics(scene) {
  /** @type {SceneDescription["joints"][]} */
  const jointsOf = scene.bodies.map(() => []);
  for (const j of scene.joints) jointsOf[j.bodyId].push(j);
  /** @type {Pose[]} */
  const bodies = scene.bodies.map(() => ({
    pos: new THREE.Vector3(),
    quat: new THREE.Quaternion(),
  }));
  const bodyQuat = scene.bodies.map((b) => quat(b.quat));
  const anchor = new THREE.Vector3();
  const axis = new THREE.Vector3();
  const vec = new THREE.Vector3();
  const qloc = new THREE.Quaternion();
  const qpos0 = scene.qpos0 ?? new Array(scene.nq).fill(0);

  /**
   * @param {ArrayLike<number>} qpos
   * @returns {Pose[]}
   */
  function run(qpos) {
    for (let i = 1; i < scene.bodies.length; i++) {
      const body = scene.bodies[i];
      const out = bodies[i];
      const joints = jointsOf[i];
      if (joints.length === 1 && joints[0].type === "free") {
        const a = joints[0].qposAdr;
        out.pos.set(qpos[a], qpos[a + 1], qpos[a + 2]);
        out.quat.set(qpos[a + 4], qpos[a + 5], qpos[a + 6], qpos[a + 3]).normalize();
        continue;
      }
      const parent = bodies[body.parentId];
      out.pos.fromArray(body.pos);
      out.quat.copy(bodyQuat[i]);
      if (body.parentId !== 0) {
        out.pos.applyQuaternion(parent.quat).add(parent.pos);
        out.quat.premultiply(parent.quat);
      }
      for (const j of joints) {
        const a = j.qposAdr;
        axis.fromArray(j.axis).applyQuaternion(out.quat);
        anchor.fromArray(j.pos).applyQuaternion(out.quat).add(out.pos);
        if (j.type === "slide") {
          out.pos.addScaledVector(axis, qpos[a] - qpos0[a]);
        } else if (j.type === "hinge" || j.type === "ball") {
          if (j.type === "ball") {
            qloc.set(qpos[a + 1], qpos[a + 2], qpos[a + 3], qpos[a]).normalize();
          } else {
            vec.fromArray(j.axis).normalize();
            qloc.setFromAxisAngle(vec, qpos[a] - qpos0[a]);
          }
          out.quat.multiply(qloc);
          vec.fromArray(j.pos).applyQuaternion(out.quat);
          out.pos.copy(anchor).sub(vec);
        }
      }
      out.quat.normalize();
    }
    return bodies;
  }
  return { run };
}

const PALE = new THREE.Color(0.8, 0.9, 0.8);

/** @param {SceneGeom} g */
function geomMesh(g) {
  const [s0, s1, s2] = g.size;
  let geometry;
  switch (g.type) {
    case "plane": {
      // A size of 0 means an infinite plane: draw a large one.
      const w = s0 > 0 ? 2 * s0 : 80;
      const h = s1 > 0 ? 2 * s1 : 80;
      geometry = new THREE.PlaneGeometry(w, h);
      const material = new THREE.MeshStandardMaterial({
        map: checker(g.rgba, w, h),
        roughness: 1,
      });
      return new THREE.Mesh(geometry, material);
    }
    case "sphere":
      geometry = new THREE.SphereGeometry(s0, 24, 16);
      break;
    case "ellipsoid":
      geometry = new THREE.SphereGeometry(1, 24, 16);
      geometry.scale(s0, s1, s2);
      break;
    case "capsule":
      // three.js builds capsules and cylinders along y; MuJoCo's run along local z.
      geometry = new THREE.CapsuleGeometry(s0, 2 * s1, 8, 20);
      geometry.rotateX(Math.PI / 2);
      break;
    case "cylinder":
      geometry = new THREE.CylinderGeometry(s0, s0, 2 * s1, 24);
      geometry.rotateX(Math.PI / 2);
      break;
    case "box":
      geometry = new THREE.BoxGeometry(2 * s0, 2 * s1, 2 * s2);
      break;
    default:
      return null; // meshes, height fields and SDFs carry no data in the scene description
  }
  const [r, gr, b, a] = g.rgba ?? [0.7, 0.5, 0.3, 1];
  const material = new THREE.MeshStandardMaterial({
    color: new THREE.Color(r, gr, b),
    roughness: 0.55,
    metalness: 0.05,
    transparent: a < 1,
    opacity: a,
  });
  return new THREE.Mesh(geometry, material);
}

/**
 * A checkerboard texture tinted by the plane's colour, one square per half metre.
 * @param {number[] | undefined} rgba
 * @param {number} w
 * @param {number} h
 */
function checker(rgba, w, h) {
  const base = rgba ? new THREE.Color(rgba[0], rgba[1], rgba[2]) : PALE;
  const dark = base.clone().multiplyScalar(0.82);
  const size = 64;
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const c = x < size / 2 !== y < size / 2 ? dark : base;
      const i = (y * size + x) * 4;
      data[i] = c.r * 255;
      data[i + 1] = c.g * 255;
      data[i + 2] = c.b * 255;
      data[i + 3] = 255;
    }
  }
  const tex = new THREE.DataTexture(data, size, size);
  tex.wrapS = THREE.RepeatWrapping;
  tex.wrapT = THREE.RepeatWrapping;
  tex.repeat.set(w, h);
  tex.magFilter = THREE.NearestFilter;
  tex.colorSpace = THREE.SRGBColorSpace;
  tex.needsUpdate = true;
  return tex;
}

/**
 * The size of the model at qpos0: the largest distance of a geom from the centre of the geoms.
 * A tracking camera frames the moving geoms; a fixed one also the static ones (an arena, a rail),
 * but never the floor.
 * @param {SceneDescription} scene
 * @param {ReturnType<typeof kinematics>} kin
 * @param {boolean} includeStatic
 */
function modelExtent(scene, kin, includeStatic) {
  const bodies = kin.run(scene.qpos0 ?? new Array(scene.nq).fill(0));
  /** @type {[THREE.Vector3, number][]} */
  const points = [];
  for (const g of scene.geoms) {
    if (g.type === "plane" || (g.bodyId === 0 && !includeStatic)) continue;
    const b = bodies[g.bodyId];
    const p = new THREE.Vector3().fromArray(g.pos).applyQuaternion(b.quat).add(b.pos);
    points.push([p, Math.max(...g.size)]);
  }
  if (points.length === 0) return { center: new THREE.Vector3(), radius: 1 };
  const center = new THREE.Vector3();
  for (const [p] of points) center.add(p);
  center.divideScalar(points.length);
  let radius = 0.2;
  for (const [p, r] of points) radius = Math.max(radius, p.distanceTo(center) + r);
  return { center, radius };
}

/**
 * @param {THREE.PerspectiveCamera} camera
 * @param {SceneDescription["view"]} view
 * @param {Pose[]} bodies
 * @param {{center: THREE.Vector3, radius: number}} extent
 * @param {THREE.Vector3} target
 */
function placeCamera(camera, view, bodies, extent, target) {
  const tracked = view.trackBodyId != null ? bodies[view.trackBodyId] : null;
  target.copy(extent.center);
  if (tracked) {
    target.x = tracked.pos.x;
    target.y = view.plane === "xy" ? tracked.pos.y : extent.center.y;
  }
  const d = (extent.radius * 1.12) / Math.tan((camera.fov * Math.PI) / 360);
  if (view.plane === "xz") {
    camera.position.set(target.x, target.y - d, target.z + 0.12 * d);
    camera.up.set(0, 0, 1);
  } else if (view.plane === "xy") {
    camera.position.set(target.x, target.y - 0.25 * d, target.z + d);
    camera.up.set(0, 1, 0);
  } else {
    camera.position.set(target.x - 0.75 * d, target.y - 0.75 * d, target.z + 0.55 * d);
    camera.up.set(0, 0, 1);
  }
  camera.lookAt(target);
}

/**
 * Shown when the run has no scene description or the browser has no WebGL.
 * @param {HTMLCanvasElement} canvas
 * @param {RunInfo | null} runInfo
 */
function notice(canvas, runInfo, text = "No scene description was sent for this run") {
  const ctx = context2d(canvas);
  return {
    /** @param {MujocoFrame | undefined} frame */
    draw(frame) {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.fillStyle = "#eef1f4";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      const size = Math.max(12, Math.round(canvas.width / 36));
      ctx.fillStyle = "#495057";
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.font = `600 ${size}px system-ui, sans-serif`;
      ctx.fillText(runInfo?.envId ?? "MuJoCo", canvas.width / 2, canvas.height / 2 - size);
      ctx.font = `${Math.round(size * 0.8)}px system-ui, sans-serif`;
      ctx.fillText(text, canvas.width / 2, canvas.height / 2 + size * 0.4);
      ctx.fillStyle = "#868e96";
      ctx.fillText(
        `${frame?.qpos?.length ?? 0} joint positions per frame`,
        canvas.width / 2,
        canvas.height / 2 + size * 1.6,
      );
    },
  };
}
