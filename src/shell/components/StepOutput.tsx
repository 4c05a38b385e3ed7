// The streamed output of running and finished steps: last lines only, sanitised.
import { Lines } from './Lines.js';
import { outputLines, type OutputInput } from '../rows/output-lines.js';

export function StepOutput(props: OutputInput) {
  return <Lines lines={outputLines(props)} width={props.width} caps={props.caps} />;
}
