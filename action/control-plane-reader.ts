// A bundle file of its own (action/dist/control-plane-reader.js): the AWS SDK is loaded only when the gate reads an API.
export { readApiFromControlPlane } from '../src/gate/control-plane/fleet';
