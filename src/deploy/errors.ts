import { GuardError } from '../errors';

export type DeployErrorCode =
  'ERR_TERRAFORM_MISSING' | 'ERR_TERRAFORM_FAILED' | 'ERR_STATE_LOCKED' | 'ERR_LOCAL_BACKEND_IN_CI' | 'ERR_MANIFEST' | 'ERR_SYNTH_FAILED' | 'ERR_INTERRUPTED';

/** A deploy step failed. `detail` holds terraform's own error block, verbatim, for the log. */
export class DeployError extends GuardError {
  override readonly code: DeployErrorCode;
  readonly detail: string;
  /** The stack whose step failed, when one did (`gateway`), for the job summary. (`stack` is Error's.) */
  readonly stackName: string | undefined;
  /** The terraform step that failed (`init`, `plan`, `apply`, `destroy`), when one did. */
  readonly step: string | undefined;

  constructor(code: DeployErrorCode, message: string, detail = '', options?: { cause?: unknown; stackName?: string; step?: string }) {
    super(code, message, options);
    this.code = code;
    this.detail = detail;
    this.stackName = options?.stackName;
    this.step = options?.step;
  }
}
