import { setFlagsFromString } from 'node:v8';

// V8 11.3 (Node 20) inlines JS→Wasm calls into optimized code and, when such a frame is lazily
// deoptimized while Cedar runs, aborts the whole process ("Fatal error … unreachable code" in
// Deoptimizer::DoComputeBuiltinContinuation). Reproduced with a few thousand decisions in a row;
// gone with this flag. It must be set before the Cedar glue is optimized, hence here, in the only
// module that loads Cedar. It slows JS→Wasm calls slightly and changes nothing else.
setFlagsFromString('--no-turbo-inline-js-wasm-calls');

export {
  policySetTextToParts,
  policyToJson,
  preparsePolicySet,
  preparseSchema,
  statefulIsAuthorized,
  validate,
  type Context,
  type DetailedError,
  type EntityJson,
  type TypeAndId,
  type ValidationError,
} from '@cedar-policy/cedar-wasm/nodejs';
