import { createBuiltinRegistry } from './src/tools/builtin-tools.js';
import { planJsonSchema } from './src/models/plan-schema.js';
import { planSystemPrompt } from './src/models/plan-prompt.js';
const r = createBuiltinRegistry({ timeoutMs: 1000, outputCapBytes: 1000 });
const d = r.describe();
const s = JSON.stringify(planJsonSchema(d));
console.log('tools', d.length, 'schema', s.length, 'system', planSystemPrompt(d).length);
const args = d.map(t=>JSON.stringify(t.inputSchema).length).reduce((a,b)=>a+b,0);
console.log('args total', args, 'desc', d.map(t=>t.description.length).reduce((a,b)=>a+b,0));
