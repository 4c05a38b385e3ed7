// The escape hatch: a real shell, run and recorded by aiosd (the controller opens it when shown;
// its keys go to that shell, so it has none of its own).
import { hatchLines } from '../rows/hatch-lines.js';
import { defineView } from './view-record.js';

export const hatchView = defineView({
  name: 'hatch',
  title: 'escape hatch (real shell)',
  keys: ['7', 'f8'],
  lines: (p) => hatchLines(p.hatch, p.active, p.height, p.width, p.caps),
});
