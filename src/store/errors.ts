/**
 * Typed errors of the preference store. Each has a stable `code` and the HTTP status an API
 * should answer with, so that the server maps them without string matching.
 */
export class StoreError extends Error {
  readonly code: string;
  readonly httpStatus: number;
  constructor(code: string, httpStatus: number, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.httpStatus = httpStatus;
  }
}

export class UnknownQueryError extends StoreError {
  constructor(readonly queryId: string) {
    super("unknown_query", 404, `unknown query '${queryId}'`);
  }
}

export class UnknownClipError extends StoreError {
  constructor(readonly clipId: string) {
    super("unknown_clip", 404, `unknown clip '${clipId}'`);
  }
}

export class UnknownLeaseError extends StoreError {
  constructor(readonly leaseId: string) {
    super("unknown_lease", 404, `unknown lease '${leaseId}'; ask for a new query`);
  }
}

export class LeaseExpiredError extends StoreError {
  constructor(readonly leaseId: string) {
    super(
      "lease_expired",
      409,
      `lease '${leaseId}' has expired and its query went back to the pool; ask for a new query`,
    );
  }
}

export class LeaseUsedError extends StoreError {
  constructor(readonly leaseId: string) {
    super(
      "lease_used",
      409,
      `lease '${leaseId}' already has an answer; a lease takes one answer (resend with the same requestId to fetch it)`,
    );
  }
}

export class AlreadyAnsweredError extends StoreError {
  constructor(
    readonly queryId: string,
    readonly labeller: string,
  ) {
    super(
      "already_answered",
      409,
      `labeller '${labeller}' has already answered query '${queryId}'`,
    );
  }
}

export class RequestIdConflictError extends StoreError {
  constructor(readonly requestId: string) {
    super(
      "request_id_conflict",
      409,
      `requestId '${requestId}' was already used for a different query or labeller; use a fresh id per answer`,
    );
  }
}

export class InvalidAnswerError extends StoreError {
  constructor(readonly answer: unknown) {
    super(
      "invalid_answer",
      400,
      `invalid answer ${JSON.stringify(answer)}; expected left, right, equal or cant_tell`,
    );
  }
}

export class LabellerExistsError extends StoreError {
  constructor(readonly labellerName: string) {
    super("labeller_exists", 409, `a labeller named '${labellerName}' already exists`);
  }
}

export class UnknownLabellerError extends StoreError {
  constructor(readonly labellerName: string) {
    super("unknown_labeller", 404, `no labeller named '${labellerName}'`);
  }
}

/**
 * A labeller holds as many current leases as allowed: answer one, or wait for one to expire.
 * `held` names the queries those leases are on, so a page that lost them (a reload, a crash)
 * can lease one of them again at once (`/api/queries/lease` replaces a labeller's own lease).
 */
export class LeaseLimitError extends StoreError {
  constructor(
    readonly maxLive: number,
    readonly held: string[],
  ) {
    super(
      "lease_limit",
      429,
      `you already hold ${maxLive} unanswered ${maxLive === 1 ? "query" : "queries"}, the most one labeller may; answer one first (or wait until it expires)`,
    );
  }
}

/**
 * The database is out of reach or overloaded for a moment (Postgres restarting, too many
 * connections, a lost race that kept losing): nothing was changed; try again shortly.
 */
export class StoreBusyError extends StoreError {
  constructor(cause: unknown) {
    super("busy", 503, "the store is busy or out of reach; try again in a moment");
    this.cause = cause;
  }
}

/** Text the database cannot hold (Postgres refuses the NUL character): the request is wrong. */
export class UnstorableTextError extends StoreError {
  constructor(cause: unknown) {
    super(
      "bad_text",
      400,
      "the request holds a character the store cannot keep (the NUL character); remove it",
    );
    this.cause = cause;
  }
}
