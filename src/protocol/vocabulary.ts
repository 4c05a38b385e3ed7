// The word lists that config.toml, the policy, the methods, the CLI and the tests all speak:
// each is written once here, as a zod enum, and everything else derives its type and its check
// from it, so a new word cannot reach one place and miss another.
import { z } from 'zod';

/** `[security] mode`: how much the policy lets run without a person, from least to most. */
export const SecurityMode = z.enum(['safe', 'normal', 'paranoid', 'trusted']);
export type SecurityMode = z.infer<typeof SecurityMode>;

/** `[system] autonomy_level` and a schedule's `autonomy`: who approves when no person does. */
export const AutonomyLevel = z.enum(['manual', 'supervised', 'full']);
export type AutonomyLevel = z.infer<typeof AutonomyLevel>;

/** `[api.<name>] kind`: the wire protocol a cloud provider speaks. */
export const ProviderKind = z.enum(['anthropic', 'openai', 'openai-compatible']);
export type ProviderKind = z.infer<typeof ProviderKind>;

/** `[shell] escape_hatch`: who may open a plain shell from the TUI. */
export const EscapeHatch = z.enum(['never', 'admin', 'always']);
export type EscapeHatch = z.infer<typeof EscapeHatch>;

/**
 * The models the router chooses among, weakest to strongest: two local GGUF models
 * (`[models.operational]`, `[models.tactical]`) and the cloud providers. Not the planning
 * tiers (`Tier` in model.ts), which say who wrote a plan.
 */
export const ModelTier = z.enum(['operational', 'tactical', 'cloud']);
export type ModelTier = z.infer<typeof ModelTier>;

/** The local models: a `[models.<key>]` table each. */
export const LocalModelKey = ModelTier.exclude(['cloud']);
export type LocalModelKey = z.infer<typeof LocalModelKey>;
