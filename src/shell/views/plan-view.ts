// Goals and plans: the plan review. The App draws it from the goals (it has no rows here); its
// record gives its keys and what the selection keys do (move between steps).
import { defineView } from './view-record.js';

export const planView = defineView({
  name: 'plan',
  title: 'goals and plans',
  keys: ['1', 'f2'],
  section: 'Plan review',
  bindings: {
    approveAll: ['a'],
    approveStep: ['y'],
    rejectStep: ['n'],
    rejectPlan: ['x'],
    skipStep: ['s'],
    editStep: ['e'],
    selectPrev: ['up', 'k'],
    selectNext: ['down', 'j'],
    prevGoal: ['pageup', '['],
    nextGoal: ['pagedown', ']'],
    rollback: ['r'],
    traceGoal: ['t'],
    cancelGoal: ['c'],
    cancelOrLeave: ['ctrl+c'],
    reviseGoal: ['v'],
  },
  move: (delta) => ({ type: 'stepSelected', delta }),
});
