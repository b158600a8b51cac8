// Runs the compiled program under Pulumi's mocks (no CLI, no cluster) and prints the Kubernetes objects' inputs.
const pulumi = require('@pulumi/pulumi');
const SECRET = '4dabf18193072939515e22adb298388d';
const unwrap = v => Array.isArray(v) ? v.map(unwrap) : v && typeof v === 'object'
  ? (SECRET in v ? unwrap(v.value) : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]))) : v;
const objects = [];
pulumi.runtime.setMocks({
  newResource: args => {
    if (args.type.startsWith('kubernetes:')) objects.push(unwrap(args.inputs));
    return { id: `${args.name}-id`, state: args.inputs };
  },
  call: args => args.inputs,
}, 'consumer', 'test', false).then(() => {
  require('./out/index.js');
  // Registrations complete asynchronously; the program declares 5 objects.
  const deadline = setTimeout(() => {
    console.error(`only ${objects.length} of 5 objects were declared`);
    process.exit(1);
  }, 20000);
  const wait = setInterval(() => {
    if (objects.length >= 5) {
      clearInterval(wait);
      clearTimeout(deadline);
      console.log(JSON.stringify(objects));
    }
  }, 20);
});
