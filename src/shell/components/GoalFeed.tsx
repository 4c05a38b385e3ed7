// The goal feed: recent goals, one row each.
import { memo } from 'react';
import { feedLines, type FeedInput } from '../rows/feed-lines.js';
import { Lines } from './Lines.js';

// Memoised: it renders again only when its own props change (a keystroke leaves it alone).
export const GoalFeed = memo(function GoalFeed(props: FeedInput & { width: number }) {
  return <Lines lines={feedLines(props)} width={props.width} caps={props.caps} />;
});
