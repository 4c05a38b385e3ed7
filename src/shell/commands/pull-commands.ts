// F9 on the first-run screen: the recommended local model is pulled only after a guarded Y that
// names what would happen (which model, how big, which tier). A pasted `ESC [ 2 0 ~` is a
// non-printable key and passes the key guard at once, so F9 itself only asks; the download and
// the config change start from the confirmation, which the guard holds like every other.
import type { PullTier } from '../../protocol/model-pull.js';
import { sizeText } from '../../text/progress-bar.js';
import { messageOf } from './connection.js';
import type { CommandContext } from './command-context.js';

/** The tier the first run offers: the one goals are planned with. */
const FIRST_RUN_TIER: PullTier = 'operational';

/** F9: checks what aiosd would surely refuse, then asks for Y naming the model, its size and the tier. */
export function askPull(ctx: CommandContext): void {
  const state = ctx.store.getState();
  const firstRun = state.firstRun;
  if (firstRun === null || state.connection.kind !== 'connected') return;
  const model = firstRun.recommendation.operational;
  if (state.session?.role !== 'admin') return ctx.flash('info', 'only an admin can pull a model: ask one to set it up');
  if (model === null) return ctx.flash('info', 'no local model in the table fits this node (aios models recommend)');
  if (firstRun.pull?.kind === 'running') return ctx.flash('info', 'the model is being pulled already');
  ctx.dispatch({
    type: 'confirmAsked',
    confirm: {
      kind: 'pull',
      uri: model.uri,
      tier: FIRST_RUN_TIER,
      text:
        `press Y to pull ${model.name} (${sizeText(model.sizeBytes)} download, about ${sizeText(model.ramBytes)} ` +
        `of memory) as the ${FIRST_RUN_TIER} model, any other key keeps it. aiosd downloads it into ` +
        `[models] model_dir and sets [models.${FIRST_RUN_TIER}] in config.toml.`,
    },
  });
}

/**
 * Y: asks aiosd to pull the model the question named, if the offer still names it; its
 * progress events draw the bar. `after` runs once it is in (the offer and status reload).
 */
export function pull(ctx: CommandContext, uri: string, tier: PullTier, after: () => void): void {
  const state = ctx.store.getState();
  const model = state.firstRun?.recommendation.operational ?? null;
  if (state.firstRun === null || model?.uri !== uri)
    return ctx.flash('info', 'the offer changed before you confirmed: nothing was pulled');
  if (state.firstRun.pull?.kind === 'running') return ctx.flash('info', 'the model is being pulled already');
  const c = ctx.client();
  if (c === null) return;
  ctx.dispatch({ type: 'pullChanged', pull: { kind: 'running', progress: null, name: model.name } });
  c.call('models/pull', { uri, tier })
    .then(
      (r) => {
        const text = `pulled ${r.fileName}: ${r.reload?.message ?? 'configured'}`;
        ctx.dispatch({ type: 'pullChanged', pull: { kind: 'done', text } });
        ctx.flash('info', text);
        after();
      },
      (e: unknown) =>
        ctx.dispatch({ type: 'pullChanged', pull: { kind: 'failed', text: `the pull failed: ${messageOf(e)}` } }),
    )
    .catch(() => undefined);
}
