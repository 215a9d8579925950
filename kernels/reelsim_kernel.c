/*
 * reelsim batch kernel: one replication of a season per call (CPU) or per thread (GPU).
 *
 * This file is the single source of the kernel. It is written in the subset of C that is
 * also CUDA C++, and compiled two ways: included by the CPU extension (kernels/_cpu.c)
 * with the system's C compiler, and given to NVRTC (through CuPy) with RS_CUDA defined.
 * NVRTC has no standard headers, so the source defines its own fixed-width types and
 * reaches the math library through a few macros.
 *
 * What one replication does is specified by the reference engine
 * (simulator/engines/reference/): the kernel must give the same numbers, replication by
 * replication, to 1e-9 relative.
 * Every handler below mirrors the reference handler of the same name (season.py), and the
 * samplers mirror simulator/distributions.py formula for formula, uniform for uniform.
 *
 * Inputs are flat arrays laid out by the host (simulator/engines/packing.py):
 *   mi  int64 model block: a header (enum rs_header) of sizes and offsets, then tables
 *       whose rows are described by the rs_*_i enums;
 *   md  double model block: the real-valued columns (rs_*_d enums) and tables;
 *   scratch  this replication's working memory, 8-byte words, laid out by the host
 *       (offsets in the header): the kernel allocates nothing;
 *   out_d, out_i  this replication's results.
 * The host reads the enums of this file to build the blocks, so the layout is written
 * down once, here.
 *
 * Same-instant order (DESIGN §1b "Instants"). Events live in one 4-ary heap ordered by
 * (time, generation, class, key, posting order); the shot releases, all known at the start,
 * wait in one stream per episode in that order, and only each stream's next one is in the
 * heap, so the heap holds what is actually pending rather than the whole season; events
 * due a day or more ahead wait unsorted beside it until the heap runs empty (rs_push). At time
 * t the engine runs *rounds*: a round takes the events due at t when it starts; an event
 * created during round R for the same instant (a zero delay) belongs to round R + 1 and
 * carries generation R + 1, while an event for a later time carries generation 0. Within a round, every event shares one
 * generation, so heap order is (class, key, posting order), exactly the reference agenda's
 * sort. Idle-timeout releases are the last class: after the other events of the round have
 * run, the round dispatches and provisions, and only then pops its idle releases.
 *
 * What counts as an event is what reaches the reference's agenda: a voided failure, repair,
 * notice or idle timer is still posted there (and counted) and does nothing when it runs,
 * while the completion of an interrupted service is never posted (SimPy drops the service
 * process's callback), so the kernel drops it without a round.
 *
 * A run may start mid-season (a starting state): shots and episodes are put where the
 * state says, and every set-up event is scheduled from that moment on.
 */

/* RS_INLINE: a function on every event's path with few callers (joining and leaving the
 * waiting lists, a service's start, duration and end, a task made, the handler switch,
 * dispatch, provisioning, the round's end), inlined on a CPU whatever the compiler's size
 * limits, so that its calls cost no saved registers and no spills. */
#ifdef RS_CUDA
#define RS_RESTRICT __restrict__
#define RS_DEVICE __device__ static
#define RS_INLINE __device__ static /* NVRTC's own choice: forced, the frame trades for registers */
#define RS_GLOBAL extern "C" __global__
#define RS_LOG(x) log(x)
#define RS_EXP(x) exp(x)
#define RS_SQRT(x) sqrt(x)
#define RS_POW(x, y) pow(x, y)
#define RS_FLOOR(x) floor(x)
#define RS_CEIL(x) ceil(x)
#define RS_FABS(x) fabs(x)
#define RS_LOWEST_BIT(x) (__ffsll((long long)(x)) - 1)
#else
#include <math.h>
#define RS_RESTRICT restrict
#define RS_DEVICE static
#define RS_INLINE static inline __attribute__((always_inline))
#define RS_LOG(x) log(x)
#define RS_EXP(x) exp(x)
#define RS_SQRT(x) sqrt(x)
#define RS_POW(x, y) pow(x, y)
#define RS_FLOOR(x) floor(x)
#define RS_CEIL(x) ceil(x)
#define RS_FABS(x) fabs(x)
#define RS_LOWEST_BIT(x) __builtin_ctzll(x)
#endif

/* Fixed-width types from the language's own: int is 32 bits and long long 64 on every
 * target of this source (the CPU build checks it). */
typedef unsigned int rs_u32;
typedef int rs_i32;
typedef unsigned long long rs_u64;
typedef long long rs_i64;
typedef unsigned short rs_u16;
typedef unsigned char rs_u8;

/* ---------------------------------------------------------------------------------------
 * Layout: header slots of mi, row columns of the tables, codes. The host parses these
 * enums (kernels/layout.py): each member on its own line, values implicit or explicit. */

enum rs_header {
    RS_H_VERSION = 0,
    RS_H_N_SHOTS,
    RS_H_N_EPISODES,
    RS_H_N_SHOT_STAGES,
    RS_H_N_FALLBACKS,
    RS_H_N_EPISODE_STAGES,
    RS_H_N_OPTIONS,
    RS_H_N_POOLS,
    RS_H_N_TEAMS,
    RS_H_N_UNITS,
    RS_H_N_SLOTS,
    RS_H_N_DAYS,
    RS_H_N_REVIEWS,
    RS_H_MAX_GANG,
    RS_H_POOL_RULE,
    RS_H_HAS_SLACK,
    RS_H_HAS_BUDGET,
    RS_H_SEED_LO,
    RS_H_SEED_HI,
    RS_H_HAS_START,
    /* model tables: offsets into mi (…_I) and md (…_D) */
    RS_H_EPISODE_I,
    RS_H_EPISODE_D,
    RS_H_STAGE_I,
    RS_H_STAGE_D,
    RS_H_OPTION_I,
    RS_H_OPTION_D,
    RS_H_POOL_I,
    RS_H_POOL_D,
    RS_H_TEAM_I,
    RS_H_TEAM_D,
    RS_H_DIST_I,
    RS_H_SHOT_EPISODE_I,
    RS_H_FIXED_FRAMES_I,
    RS_H_STEP_PEOPLE_I,
    RS_H_WAIT_OFFSET_I,
    RS_H_STEP_TIME_D,
    RS_H_GLOBAL_D,
    RS_H_START_SHOT_I,
    RS_H_START_EPISODE_I,
    RS_H_START_DELIVERED_D,
    /* scratch: word offsets of this replication's arrays, and its size */
    RS_H_SCRATCH_WORDS,
    RS_H_HEAP_CAPACITY,
    RS_H_IDLE_CAPACITY,
    RS_H_TASK_CAPACITY,
    RS_H_S_SHOT_FRAMES,
    RS_H_S_SHOT_RELEASE,
    RS_H_S_SHOT_STAGE,
    RS_H_S_SHOT_PASS,
    RS_H_S_SHOT_ATTEMPT,
    RS_H_S_SHOT_FLAG,
    RS_H_S_SHOT_STATE,
    RS_H_S_SHOT_ROUNDS,
    RS_H_S_TASK_D,
    RS_H_S_TASK_I,
    RS_H_S_TASK_H,
    RS_H_S_TASK_RECORD,
    RS_H_S_TASK_FREE,
    RS_H_S_WAIT_COUNT,
    RS_H_S_WAIT_LISTS,
    RS_H_S_UNIT_D,
    RS_H_S_UNIT_I,
    RS_H_S_UNIT_L,
    RS_H_S_POOL_D,
    RS_H_S_POOL_I,
    RS_H_S_SLOT_D,
    RS_H_S_SLOT_I,
    RS_H_S_TEAM_I,
    RS_H_S_MONITOR_D,
    RS_H_S_EPISODE_I,
    RS_H_S_IDLE,
    RS_H_S_HEAP,
    /* outputs: offsets within one replication's out_d and out_i, and their sizes */
    RS_H_OUT_D_WORDS,
    RS_H_OUT_I_WORDS,
    RS_H_OD_END,
    RS_H_OD_DELIVERED,
    RS_H_OD_POOL_BUSY,
    RS_H_OD_POOL_BILLED,
    RS_H_OD_TEAM_BUSY,
    RS_H_OD_TEAM_OVERTIME,
    RS_H_OD_WAIT_HOURS,
    RS_H_OD_QUEUE_AREA,
    RS_H_OD_BUSY_BINS,
    RS_H_OD_QUEUE_BINS,
    RS_H_OD_FLOW_HOURS,
    RS_H_OI_STATUS,
    RS_H_OI_EVENTS,
    RS_H_OI_ESCAPED,
    RS_H_OI_FAILED,
    RS_H_OI_REWORKS,
    RS_H_OI_CAUGHT,
    RS_H_OI_ATTEMPTS,
    RS_H_OI_FRAMES,
    RS_H_OI_WAIT_COUNT,
    RS_H_OI_FLOW_COUNT,
    RS_H_OI_PREEMPTIONS,
    RS_H_OI_FAILURES,
    RS_H_OI_CLASS_COUNTS,
    RS_H_OI_TIES,
    /* scratch added in layout version 3, after the rest so that no older slot moved */
    RS_H_S_WAIT_HEAD,
    RS_H_S_RELEASE_ORDER,
    RS_H_S_RELEASE_NEXT,
    /* outputs added in layout version 4, per stage (shot stages, fallbacks, episode
     * stages), after the rest so that no older slot moved */
    RS_H_OD_STAGE_WAIT_HOURS,
    RS_H_OD_STAGE_VISIT_HOURS,
    RS_H_OD_STAGE_QUEUED_HOURS,
    RS_H_OI_STAGE_WAIT_COUNT,
    RS_H_OI_STAGE_VISITS,
    RS_H_OI_STAGE_QUEUED,
    /* outputs of repair crews, after the rest so that no older slot moved */
    RS_H_OD_DOWN_HOURS,
    RS_H_OD_REPAIR_WAIT_HOURS,
    RS_H_OI_CREW_REPAIRS,
    RS_H_SIZE
};

/* Global reals (md at RS_H_GLOBAL_D). */
enum rs_global_d {
    RS_G_HORIZON = 0,
    RS_G_BURST_WAIT,
    RS_G_BURST_SLACK,
    RS_G_BURST_BUDGET,
    RS_G_NOW,
    RS_G_SIZE
};

/* Episode rows. */
enum rs_episode_i {
    RS_EI_FIRST_SHOT = 0,
    RS_EI_N_SHOTS,
    RS_EI_RELEASE,
    RS_EI_FRAMES_DIST,
    RS_EI_FIXED_OFFSET,
    RS_EI_SIZE
};
enum rs_episode_d {
    RS_ED_LOCK = 0,
    RS_ED_DEADLINE,
    RS_ED_PRIORITY,
    RS_ED_WINDOW,
    RS_ED_SHOTS_PER_HOUR,
    RS_ED_SIZE
};

/* Stage rows: shot stages, then fallbacks, then episode stages, in one table. */
enum rs_stage_i {
    RS_SI_KIND = 0,
    RS_SI_ADDRESS,
    RS_SI_N_OPTIONS,
    RS_SI_FIRST_OPTION,
    RS_SI_MAX_ATTEMPTS,
    RS_SI_FALLBACK,
    RS_SI_MAX_ROUNDS,
    RS_SI_REWORK_TO,
    RS_SI_N_REJECT,
    RS_SI_REJECT_OFFSET,
    RS_SI_REVIEW_SLOT,
    RS_SI_REWORK_ORIGIN,
    RS_SI_HAS_PER_FRAME, /* the first option's mean hours (the task keys): its terms */
    RS_SI_HAS_PER_TASK,
    RS_SI_SIZE
};
enum rs_stage_d {
    RS_SD_FAILURE_P = 0,
    RS_SD_BACKOFF,
    RS_SD_DEFECT_P,
    RS_SD_SAMPLE_RATE,
    RS_SD_CATCH_P,
    RS_SD_SETUP, /* of the first option, as are the means below (0.0 where it has none) */
    RS_SD_PER_FRAME_MEAN,
    RS_SD_PER_TASK_MEAN,
    RS_SD_MEAN_HOURS_NO_FRAMES, /* the first option's mean hours with no frames */
    RS_SD_SIZE
};

/* Option rows. */
enum rs_option_i {
    RS_OI_RESOURCE = 0,
    RS_OI_INDEX,
    RS_OI_GANG,
    RS_OI_PER_FRAME,
    RS_OI_PER_TASK,
    RS_OI_SIZE
};
enum rs_option_d {
    RS_OD_SETUP = 0,
    RS_OD_PER_FRAME_MEAN,
    RS_OD_PER_TASK_MEAN,
    RS_OD_SIZE
};

/* Pool rows. */
enum rs_pool_i {
    RS_PI_KIND = 0,
    RS_PI_GPUS,
    RS_PI_MIN_GPUS,
    RS_PI_BATCH,
    RS_PI_FAILURE_DIST,
    RS_PI_REPAIR_DIST,
    RS_PI_FIRST_UNIT,
    RS_PI_REPAIRERS,   /* a repair crew's repairers around the clock (0: none) */
    RS_PI_REPAIR_TEAM, /* the team whose people on duty repair the units (-1: none) */
    RS_PI_SIZE
};
enum rs_pool_d {
    RS_PD_PRICE = 0,
    RS_PD_BILLING_INCREMENT,
    RS_PD_BILLING_MINIMUM,
    RS_PD_PROVISIONING_DELAY,
    RS_PD_IDLE_TIMEOUT,
    RS_PD_PREEMPTION_RATE,
    RS_PD_PREEMPTION_NOTICE,
    /* the queue policy's index weights (scenario.schema.IndexWeights), read as one run */
    RS_PD_W_ARRIVAL,
    RS_PD_W_DEADLINE,
    RS_PD_W_PRIORITY,
    RS_PD_W_EXPECTED_WORK,
    RS_PD_W_REMAINING_WORK,
    RS_PD_SIZE
};

/* Team rows. */
enum rs_team_i {
    RS_TI_MAX_PEOPLE = 0,
    RS_TI_N_STEPS,
    RS_TI_FIRST_STEP,
    RS_TI_FIRST_SLOT,
    RS_TI_SIZE
};
enum rs_team_d {
    RS_TD_MAX_OVERTIME = 0,
    /* as in rs_pool_d */
    RS_TD_W_ARRIVAL,
    RS_TD_W_DEADLINE,
    RS_TD_W_PRIORITY,
    RS_TD_W_EXPECTED_WORK,
    RS_TD_W_REMAINING_WORK,
    RS_TD_SIZE
};

/* Distribution rows: kind, offset of its parameters in md, count (empirical). */
enum rs_dist_i {
    RS_DI_KIND = 0,
    RS_DI_OFFSET,
    RS_DI_COUNT,
    RS_DI_SIZE
};

/* Codes with a Python twin, member for member: RS_DIST_<dist> (the distributions' `dist`
 * keys), RS_RESOURCE_, RS_STAGE_, RS_POOL_, RS_RELEASE_ (simulator.model's Resource,
 * StageKind, PoolKind, ReleasePattern), RS_RULE_ (the scenario's pool rules), RS_SHOT_ and
 * RS_EPISODE_ (ShotStatus, EpisodeStatus), RS_PURPOSE_ (draws.Purpose) and RS_EV_ (the
 * reference agenda's EventClass). tests/test_kernel_layout.py holds each pair by name. */
enum rs_dist_kind {
    RS_DIST_CONSTANT = 0,
    RS_DIST_EXPONENTIAL,
    RS_DIST_LOGNORMAL,
    RS_DIST_GAMMA,
    RS_DIST_TRUNCATED_NORMAL,
    RS_DIST_UNIFORM,
    RS_DIST_TRIANGULAR,
    RS_DIST_EMPIRICAL
};

enum rs_resource {
    RS_RESOURCE_POOL = 0,
    RS_RESOURCE_TEAM
};

enum rs_stage_kind {
    RS_STAGE_GPU = 0,
    RS_STAGE_REVIEW,
    RS_STAGE_FALLBACK,
    RS_STAGE_EPISODE
};

enum rs_pool_kind {
    RS_POOL_RESERVED = 0,
    RS_POOL_ON_DEMAND,
    RS_POOL_SPOT
};

enum rs_release {
    RS_RELEASE_ALL_AT_ONCE = 0,
    RS_RELEASE_WINDOW,
    RS_RELEASE_POISSON
};

enum rs_pool_rule {
    RS_RULE_CHEAPEST = 0,
    RS_RULE_FASTEST,
    RS_RULE_LISTED
};

/* A starting state (simulator.model.StartingState): per shot a row of status, stage,
 * rework passes, attempt, frames (0: drawn as usual) and the number its release is posted
 * with at the start (among the shots not yet through: see rs_release_seq); per episode a
 * row of status and stage. */
enum rs_start_shot_i {
    RS_SS_STATUS = 0,
    RS_SS_STAGE,
    RS_SS_PASSES,
    RS_SS_ATTEMPT,
    RS_SS_FRAMES,
    RS_SS_POSTED,
    RS_SS_SIZE
};
enum rs_start_episode_i {
    RS_SE_STATUS = 0,
    RS_SE_STAGE,
    RS_SE_SIZE
};
enum rs_shot_status {
    RS_SHOT_NOT_STARTED = 0,
    RS_SHOT_AT_STAGE,
    RS_SHOT_THROUGH,
    RS_SHOT_FAILED
};
enum rs_episode_status {
    RS_EPISODE_OPEN = 0,
    RS_EPISODE_AT_STAGE,
    RS_EPISODE_DELIVERED
};

/* Purposes of draws: simulator/draws.py Purpose. */
enum rs_purpose {
    RS_PURPOSE_FRAMES = 1,
    RS_PURPOSE_RELEASE,
    RS_PURPOSE_SERVICE,
    RS_PURPOSE_ATTEMPT_FAILURE,
    RS_PURPOSE_DEFECT,
    RS_PURPOSE_REVIEW_SAMPLE,
    RS_PURPOSE_REVIEW_VERDICT,
    RS_PURPOSE_FALLBACK,
    RS_PURPOSE_EPISODE_SERVICE,
    RS_PURPOSE_GPU_FAILURE,
    RS_PURPOSE_GPU_REPAIR,
    RS_PURPOSE_PREEMPTION
};

/* Event classes: simulator/engines/reference/agenda.py EventClass. */
enum rs_event_class {
    RS_EV_COMPLETION = 1,
    RS_EV_FAILURE,
    RS_EV_REPAIR,
    RS_EV_PREEMPTION_NOTICE,
    RS_EV_PREEMPTION_TAKE,
    RS_EV_PROVISIONED,
    RS_EV_BACKOFF,
    RS_EV_RELEASE,
    RS_EV_SHIFT_CHANGE,
    RS_EV_IDLE_RELEASE = 12
};

/* Per-task reals and ints in scratch (record-major rows): records exist only for the tasks
 * made and not yet ended, taken from a free list (task_capacity records, and one more that
 * a replication writes to once it has run out and stops with RS_HEAP_FULL). A task id (its
 * shot's id, or n_shots + episode) finds its record through task_record. A record's
 * version is the number of its service in progress (services are numbered 1, 2, ... in
 * the order they start in the replication), 0 when none is: a completion in the heap is
 * void unless its task id still has a record whose version is the completion's (see
 * rs_voided), whichever record the id has had since. */
enum rs_task_d {
    RS_TK_KEY = 0,
    RS_TK_ARRIVAL,
    RS_TK_REMAINING_WORK,
    RS_TK_QUEUED_AT,
    RS_TK_REMAINING,
    RS_TK_START,
    RS_TK_END,
    RS_TK_D_SIZE
};
enum rs_task_i {
    RS_TK_PASS = 0,
    RS_TK_OPTION,
    RS_TK_SLOT,
    RS_TK_FIRST_UNIT,
    RS_TK_VERSION,
    RS_TK_I_SIZE
};
/* The 16-bit ones: stages number at most 3 x 256 (the host checks), addresses 256,
 * attempts 65,535, gangs 65,535. */
enum rs_task_h {
    RS_TK_STAGE = 0,
    RS_TK_ADDRESS,
    RS_TK_ATTEMPT,
    RS_TK_INTERRUPTED,
    RS_TK_N_UNITS,
    RS_TK_H_SIZE
};

/* Per-unit state in scratch. */
enum rs_unit_d {
    RS_UD_LEASE_START = 0,
    RS_UD_REPAIR_LEFT, /* hours a paused repair has left (-1: none paused) */
    RS_UD_REPAIR_END,
    RS_UD_SIZE
};
/* 32-bit: the versions travel with their events as 32-bit arguments. */
enum rs_unit_i {
    RS_UI_FLAGS = 0,
    RS_UI_TASK,
    RS_UI_IDLE_VERSION,
    RS_UI_LIFE_VERSION,
    RS_UI_FAILURES_DRAWN,
    RS_UI_TAKE_SEQ,
    RS_UI_TAKE_LIFE,
    RS_UI_POOL,
    RS_UI_REPAIR_VERSION, /* bumped when its repair pauses, voiding the pending end */
    RS_UI_REPAIR_SLOT,    /* the repair team's slot repairing it (-1: none) */
    RS_UI_NEXT_UNIT,
    RS_UI_SIZE
};
/* 64-bit: places in orders that count from the start of the replication. */
enum rs_unit_l {
    RS_UL_LEASE_ORDER = 0,
    RS_UL_REPAIR_SEQ, /* place in its pool's repair queue (failure order); -1: not queued */
    RS_UL_SIZE
};

/* Per-pool state in scratch. */
enum rs_pool_state_d {
    RS_PS_EXPOSURE = 0,
    RS_PS_EXPOSURE_TIME,
    RS_PS_EXPOSURE_TARGET,
    RS_PS_REPAIR_SINCE, /* when the levels below were last integrated */
    RS_PS_NO_BURST_BEFORE,
    RS_PS_D_SIZE
};
enum rs_pool_state_i {
    RS_PS_PROVISIONING = 0,
    RS_PS_LEASES,
    RS_PS_PREEMPT_VERSION,
    RS_PS_FREE,
    RS_PS_DOWN,           /* units failed and not yet repaired */
    RS_PS_REPAIR_WAITING, /* units waiting for a repairer */
    RS_PS_REPAIRING,      /* repairers at work */
    RS_PS_FIRST_FREE,
    RS_PS_EXPOSED, /* units leased, ready and not draining (rs_exposed) */
    RS_PS_I_SIZE
};

/* Per-team state in scratch. */
enum rs_team_state_i {
    RS_TS_ON_DUTY = 0,
    RS_TS_BUSY, /* people on duty at work: the busy slots among the first on_duty */
    RS_TS_I_SIZE
};

/* Level monitors: busy and queue, per resource (pools, then teams). */
enum rs_monitor_d {
    RS_MON_LEVEL = 0,
    RS_MON_SINCE,
    RS_MON_AREA,
    RS_MON_SIZE
};

/* Replication status (out_i at RS_H_OI_STATUS). */
enum rs_status {
    RS_OK = 0,
    RS_HEAP_FULL = 1, /* the event heap, or the task records, ran out */
    RS_BAD_LAYOUT = 2
};

/* Trace record codes (the reference's trace "what"). */
enum rs_trace_code {
    RS_TR_RELEASE_SHOT = 1,
    RS_TR_START,
    RS_TR_INTERRUPTED,
    RS_TR_ATTEMPT_FAILED,
    RS_TR_SHOT_FAILED,
    RS_TR_REWORK,
    RS_TR_DELIVERED,
    RS_TR_PROVISION,
    RS_TR_RELEASE_UNIT,
    RS_TR_PREEMPTION_NOTICE,
    RS_TR_GPU_FAILURE,
    RS_TR_REPAIR,
    RS_TR_SHIFT_CHANGE,
    RS_TR_EVENT,
    RS_TR_END,
    RS_TR_DRAINING,
    RS_TR_REPAIR_STARTED,
    RS_TR_REPAIR_PAUSED
};

/* Outcomes of a task's end in the trace. */
enum rs_outcome {
    RS_OUT_DONE = 0,
    RS_OUT_FAILED,
    RS_OUT_REJECTED,
    RS_OUT_APPROVED
};

#define RS_LAYOUT_VERSION 7
#define RS_TRACE_WIDTH 6
#define RS_EVENT_WORDS 4
#define RS_FLAG_LEASED 1
#define RS_FLAG_READY 2
#define RS_FLAG_UP 4
#define RS_FLAG_DRAINING 8
#define RS_FREE_MASK (RS_FLAG_LEASED | RS_FLAG_READY | RS_FLAG_UP | RS_FLAG_DRAINING)
#define RS_FREE_BITS (RS_FLAG_LEASED | RS_FLAG_READY | RS_FLAG_UP)
#define RS_STATE_FAILED 1
#define RS_STATE_THROUGH 2
#define RS_STATE_RESUMED 4
#define RS_NO_FLAG 0xFFFF /* above every stage address; sh_flag is 16-bit */
#define RS_MAX_PASS 255
#define RS_HOURS_PER_BIN 24.0
/* Diagnostics: events per class (RS_N_CLASSES slots, by class number) and three tie
 * counters: events of the same class as the one before in their round, rounds with more
 * than one class, and rounds that follow another at the same instant. */
#define RS_N_CLASSES 13
#define RS_TIE_SAME_CLASS 0
#define RS_TIE_MIXED_ROUND 1
#define RS_TIE_SAME_INSTANT 2
#define RS_N_TIES 3

/* ---------------------------------------------------------------------------------------
 * Philox4x32-10 and uniforms (simulator/draws.py). */

#define RS_TWO53 9007199254740992.0
#define RS_BELOW_ONE (1.0 - 1.0 / 9007199254740992.0)

/* The ten rounds' keys of a replication's key (k0, k1). On a CPU they are worked out once
 * (rs_philox_keys) and each round xors its two in from memory instead of bumping two
 * registers; on a GPU, where that table would live in a thread's stack, round r's keys are
 * k0 + r * 0x9E3779B9 and k1 + r * 0xBB67AE85 (mod 2**32), each an addition of a constant. */
#define RS_PHILOX_ROUNDS 10
#ifdef RS_CUDA
typedef struct {
    rs_u32 k0, k1;
} rs_keys;
#define RS_ROUND_K0(keys, r) ((keys)->k0 + (rs_u32)(r) * 0x9E3779B9u)
#define RS_ROUND_K1(keys, r) ((keys)->k1 + (rs_u32)(r) * 0xBB67AE85u)
RS_DEVICE void rs_philox_keys(rs_keys *keys, rs_u32 k0, rs_u32 k1)
{
    keys->k0 = k0;
    keys->k1 = k1;
}
#else
typedef struct {
    rs_u32 k[2 * RS_PHILOX_ROUNDS];
} rs_keys;
#define RS_ROUND_K0(keys, r) ((keys)->k[2 * (r)])
#define RS_ROUND_K1(keys, r) ((keys)->k[2 * (r) + 1])
RS_DEVICE void rs_philox_keys(rs_keys *keys, rs_u32 k0, rs_u32 k1)
{
    int r;
    for (r = 0; r < RS_PHILOX_ROUNDS; r++) {
        keys->k[2 * r] = k0;
        keys->k[2 * r + 1] = k1;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
}
#endif

/* One Philox round with round keys k0, k1: the two multiplications, the xors. The ten
 * rounds are written out (no loop to count) so that the compiler keeps all in registers. */
#define RS_PHILOX_ROUND(c0, c1, c2, c3, k0, k1)                                            \
    do {                                                                                    \
        rs_u64 p0_ = (rs_u64)0xD2511F53u * (rs_u64)(c0);                                    \
        rs_u64 p1_ = (rs_u64)0xCD9E8D57u * (rs_u64)(c2);                                    \
        (c0) = (rs_u32)(p1_ >> 32) ^ (c1) ^ (k0);                                           \
        (c2) = (rs_u32)(p0_ >> 32) ^ (c3) ^ (k1);                                           \
        (c1) = (rs_u32)p1_;                                                                 \
        (c3) = (rs_u32)p0_;                                                                 \
    } while (0)

#define RS_PHILOX_NINE_ROUNDS(c0, c1, c2, c3, keys)                                         \
    do {                                                                                    \
        RS_PHILOX_ROUND(c0, c1, c2, c3, RS_ROUND_K0(keys, 0), RS_ROUND_K1(keys, 0));        \
        RS_PHILOX_ROUND(c0, c1, c2, c3, RS_ROUND_K0(keys, 1), RS_ROUND_K1(keys, 1));        \
        RS_PHILOX_ROUND(c0, c1, c2, c3, RS_ROUND_K0(keys, 2), RS_ROUND_K1(keys, 2));        \
        RS_PHILOX_ROUND(c0, c1, c2, c3, RS_ROUND_K0(keys, 3), RS_ROUND_K1(keys, 3));        \
        RS_PHILOX_ROUND(c0, c1, c2, c3, RS_ROUND_K0(keys, 4), RS_ROUND_K1(keys, 4));        \
        RS_PHILOX_ROUND(c0, c1, c2, c3, RS_ROUND_K0(keys, 5), RS_ROUND_K1(keys, 5));        \
        RS_PHILOX_ROUND(c0, c1, c2, c3, RS_ROUND_K0(keys, 6), RS_ROUND_K1(keys, 6));        \
        RS_PHILOX_ROUND(c0, c1, c2, c3, RS_ROUND_K0(keys, 7), RS_ROUND_K1(keys, 7));        \
        RS_PHILOX_ROUND(c0, c1, c2, c3, RS_ROUND_K0(keys, 8), RS_ROUND_K1(keys, 8));        \
    } while (0)

RS_DEVICE void rs_philox(rs_u32 *c, const rs_keys *keys)
{
    rs_u32 c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3];
    RS_PHILOX_NINE_ROUNDS(c0, c1, c2, c3, keys);
    RS_PHILOX_ROUND(c0, c1, c2, c3, RS_ROUND_K0(keys, 9), RS_ROUND_K1(keys, 9));
    c[0] = c0;
    c[1] = c1;
    c[2] = c2;
    c[3] = c3;
}

/* The first two words of a block (c0 high, c1 low): the last round's second product,
 * which makes only the other two, is left out. */
RS_DEVICE rs_u64 rs_philox_first(rs_u32 c0, rs_u32 c1, rs_u32 c2, rs_u32 c3, const rs_keys *keys)
{
    rs_u64 p1;
    RS_PHILOX_NINE_ROUNDS(c0, c1, c2, c3, keys);
    p1 = (rs_u64)0xCD9E8D57u * (rs_u64)c2;
    return ((rs_u64)((rs_u32)(p1 >> 32) ^ c1 ^ RS_ROUND_K0(keys, 9)) << 32) | (rs_u64)(rs_u32)p1;
}

RS_DEVICE double rs_to_uniform(rs_u32 hi, rs_u32 lo)
{
    /* The 53-bit integer is exact in a double; +0.5 rounds to nearest even as in Python;
     * the division by 2**53 is exact. */
    rs_u64 n = ((rs_u64)(hi >> 6) << 27) + (rs_u64)(lo >> 5);
    double u = ((double)n + 0.5) / RS_TWO53;
    return u < 1.0 ? u : RS_BELOW_ONE;
}

/* A stream of uniforms: each Philox block gives two; the second is kept as its two raw
 * words and turned into a double only if it is asked for. */
typedef struct {
    rs_u32 c0, c1, c2, j;
    const rs_keys *keys;
    rs_u32 spare_hi, spare_lo;
    int has_spare;
} rs_stream;

RS_DEVICE void rs_stream_init(rs_stream *s, const rs_keys *keys, rs_u32 rep, rs_u32 purpose,
                              rs_u32 owner, rs_u32 sub)
{
    s->keys = keys;
    s->c0 = rep;
    s->c1 = (purpose << 24) | owner;
    s->c2 = sub;
    s->j = 0;
    s->spare_hi = 0;
    s->spare_lo = 0;
    s->has_spare = 0;
}

RS_DEVICE double rs_next(rs_stream *s)
{
    rs_u32 c[4];
    if (s->has_spare) {
        s->has_spare = 0;
        return rs_to_uniform(s->spare_hi, s->spare_lo);
    }
    c[0] = s->c0;
    c[1] = s->c1;
    c[2] = s->c2;
    c[3] = s->j;
    s->j += 1;
    rs_philox(c, s->keys);
    s->spare_hi = c[2];
    s->spare_lo = c[3];
    s->has_spare = 1;
    return rs_to_uniform(c[0], c[1]);
}

RS_DEVICE rs_u32 rs_pack_sub(rs_i32 stage, rs_i32 pass, rs_i32 attempt)
{
    if (pass > RS_MAX_PASS) {
        pass = RS_MAX_PASS;
    }
    return ((rs_u32)stage << 24) | ((rs_u32)pass << 16) | (rs_u32)attempt;
}

/* ---------------------------------------------------------------------------------------
 * Samplers (simulator/distributions.py), formula for formula. */

RS_DEVICE double rs_infinity(void)
{
    union {
        rs_u64 bits;
        double value;
    } x;
    x.bits = 0x7FF0000000000000ULL;
    return x.value;
}

RS_DEVICE double rs_nan(void)
{
    union {
        rs_u64 bits;
        double value;
    } x;
    x.bits = 0x7FF8000000000000ULL;
    return x.value;
}

/* Wichura's AS241 (PPND16), copied from normal_ppf line for line. */
RS_DEVICE double rs_normal_ppf(double p)
{
    double q = p - 0.5;
    double r, num, den, val;
    if (RS_FABS(q) <= 0.425) {
        r = 0.180625 - q * q;
        num = (((((((2.5090809287301226727e3 * r + 3.3430575583588128105e4) * r
                    + 6.7265770927008700853e4) * r + 4.5921953931549871457e4) * r
                  + 1.3731693765509461125e4) * r + 1.9715909503065514427e3) * r
                + 1.3314166789178437745e2) * r + 3.3871328727963666080e0);
        den = (((((((5.2264952788528545610e3 * r + 2.8729085735721942674e4) * r
                    + 3.9307895800092710610e4) * r + 2.1213794301586595867e4) * r
                  + 5.3941960214247511077e3) * r + 6.8718700749205790830e2) * r
                + 4.2313330701600911252e1) * r + 1.0);
        return q * num / den;
    }
    r = q < 0.0 ? p : 1.0 - p;
    if (r <= 0.0) {
        if (r == 0.0) {
            return q < 0.0 ? -rs_infinity() : rs_infinity();
        }
        return rs_nan();
    }
    r = RS_SQRT(-RS_LOG(r));
    if (r <= 5.0) {
        r = r - 1.6;
        num = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r
                    + 2.41780725177450611770e-1) * r + 1.27045825245236838258e0) * r
                  + 3.64784832476320460504e0) * r + 5.76949722146069140550e0) * r
                + 4.63033784615654529590e0) * r + 1.42343711074968357734e0);
        den = (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r
                    + 1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r
                  + 6.89767334985100004550e-1) * r + 1.67638483018380384940e0) * r
                + 2.05319162663775882187e0) * r + 1.0);
    } else {
        r = r - 5.0;
        num = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r
                    + 1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r
                  + 2.96560571828504891230e-1) * r + 1.78482653991729133580e0) * r
                + 5.46378491116411436990e0) * r + 6.65790464350110377720e0);
        den = (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r
                    + 1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r
                  + 1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r
                + 5.99832206555887937690e-1) * r + 1.0);
    }
    val = num / den;
    return q < 0.0 ? -val : val;
}

/* Parameters in md, per kind (written by the host from the distribution's own cached
 * parameters, so both engines start from the same doubles):
 *   constant: value            exponential: mean          lognormal: mu, sigma
 *   gamma: k, theta, d, c, boosted                        uniform: low, high
 *   truncated normal: pa, pb, loc, scale, low, high, has_high
 *   triangular: low, mode, high                           empirical: cum[n], values[n] */
RS_DEVICE double rs_sample(const rs_i64 *mi, const double *md, rs_i64 dist_table, rs_i64 dist,
                           rs_stream *s)
{
    const rs_i64 *row = mi + dist_table + dist * RS_DI_SIZE;
    const double *p = md + row[RS_DI_OFFSET];
    switch ((int)row[RS_DI_KIND]) {
    case RS_DIST_CONSTANT:
        return p[0];
    case RS_DIST_EXPONENTIAL:
        return -p[0] * RS_LOG(rs_next(s));
    case RS_DIST_LOGNORMAL:
        return RS_EXP(p[0] + p[1] * rs_normal_ppf(rs_next(s)));
    case RS_DIST_GAMMA: {
        double k = p[0], theta = p[1], d = p[2], c = p[3];
        double x, t, v, u, y;
        for (;;) {
            x = rs_normal_ppf(rs_next(s));
            t = 1.0 + c * x;
            v = t * t * t;
            if (v <= 0.0) {
                continue;
            }
            u = rs_next(s);
            if (RS_LOG(u) < 0.5 * x * x + d - d * v + d * RS_LOG(v)) {
                break;
            }
        }
        y = d * v * theta;
        if (p[4] != 0.0) {
            y = y * RS_POW(rs_next(s), 1.0 / k);
        }
        return y;
    }
    case RS_DIST_TRUNCATED_NORMAL: {
        double pa = p[0], pb = p[1], loc = p[2], scale = p[3], low = p[4], high = p[5];
        double q = pa + rs_next(s) * (pb - pa);
        double x;
        if (q >= 1.0) {
            q = RS_BELOW_ONE;
        }
        x = loc + scale * rs_normal_ppf(q);
        if (x < low) {
            return low;
        }
        if (p[6] != 0.0 && x > high) {
            return high;
        }
        return x;
    }
    case RS_DIST_UNIFORM:
        return p[0] + rs_next(s) * (p[1] - p[0]);
    case RS_DIST_TRIANGULAR: {
        double u = rs_next(s);
        double low = p[0], mode = p[1], high = p[2];
        double width = high - low;
        if (u < (mode - low) / width) {
            return low + RS_SQRT(u * width * (mode - low));
        }
        return high - RS_SQRT((1.0 - u) * width * (high - mode));
    }
    case RS_DIST_EMPIRICAL: {
        rs_i64 n = row[RS_DI_COUNT];
        const double *cum = p;
        const double *values = p + n;
        double target = rs_next(s) * cum[n - 1];
        /* bisect_right: the first i with target < cum[i] */
        rs_i64 lo = 0, hi = n;
        while (lo < hi) {
            rs_i64 mid = (lo + hi) / 2;
            if (target < cum[mid]) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        if (lo >= n) {
            lo = n - 1;
        }
        return values[lo];
    }
    default:
        return rs_nan();
    }
}

/* ---------------------------------------------------------------------------------------
 * The state of one replication: pointers into the model and into scratch. */

/* An event as the handlers see it. */
typedef struct {
    double t;
    rs_u32 gen;
    rs_i32 cls;
    rs_i32 k0;
    rs_i32 k1;
    rs_u32 seq;
    rs_i32 a;
    rs_i32 b;
} rs_event;

/* An event as the heap holds it: its order (time, generation, class, key, posting order)
 * in three words compared as unsigned integers, then its two arguments. `when` is the
 * time's bits (rs_time_bits: event times are never negative, so their bits order as the
 * times do); `order` packs the
 * generation (32 bits), the class (4 bits) and the first key plus one (28 bits: task ids
 * stay below 2**24, the first key is at least -1); `tie` the second key (never negative)
 * and the posting number. */
typedef struct {
    rs_u64 when;
    rs_u64 order;
    rs_u64 tie;
    rs_i32 a;
    rs_i32 b;
} rs_entry;

#define RS_ORDER_KEY_BITS 28
#define RS_ORDER_KEY_MASK 0x0FFFFFFFULL

typedef struct {
    const rs_i64 *mi;
    const double *md;
    rs_u32 rep;
    rs_keys keys; /* the round keys of the scenario's seed */

    rs_i32 n_shots, n_eps, n_sst, n_fb, n_est, n_pools, n_teams, n_res, n_days, n_reviews;
    rs_i32 max_gang, pool_rule, has_slack, has_budget;
    rs_i64 heap_cap, idle_cap;
    rs_i64 dist_table;

    const rs_i64 *ep_i;
    const double *ep_d;
    const rs_i64 *st_i;
    const double *st_d;
    const rs_i64 *op_i;
    const double *op_d;
    const rs_i64 *pl_i;
    const double *pl_d;
    const rs_i64 *tm_i;
    const double *tm_d;
    const rs_i64 *shot_ep;
    const rs_i64 *fixed_frames;
    const rs_i64 *step_people;
    const rs_i64 *wait_off;
    const double *step_time;
    const double *reject_p;
    const rs_i64 *start_shot;
    const rs_i64 *start_episode;
    const double *start_delivered;
    int has_start;
    double horizon, burst_wait, burst_slack, budget, start_now, run_end;

    /* Per shot: frames (the host bounds them to 31 bits), the release time where it is
     * drawn (an episode released all at once releases every shot at its lock: read from
     * the model), stage, attempt and flag (16-bit: the host bounds stages to 256 and
     * attempts to 65,535), state bits, rework passes (unbounded), and per review the
     * rejections so far, counted up to 255 (see rs_rework). */
    rs_i32 *sh_frames;
    double *sh_release;
    rs_u16 *sh_stage, *sh_attempt, *sh_flag;
    rs_u8 *sh_state, *sh_rounds;
    rs_i32 *sh_pass;
    double *tk_d;
    rs_i32 *tk_i;
    rs_u16 *tk_h;
    rs_i32 *tk_record;  /* per task id: its record, or -1 */
    rs_u32 services; /* services started in the replication: the last one's version */
    rs_i32 *tk_free;    /* records not in use (a stack) */
    rs_i32 tk_cap, tk_free_n;
    rs_i32 ending, renewed; /* the task rs_complete is ending; whether it was made again */
    rs_i32 *wait_count;
    rs_i32 *wait_head;
    rs_i32 *wait_lists;
    double *un_d;
    rs_i32 *un_i;
    rs_i64 *un_l;
    double *ps_d;
    rs_i32 *ps_i;
    double *sl_d;
    rs_i32 *sl_i;
    rs_i32 *ts_i;
    double *mon;
    rs_i32 *es_left;
    rs_i32 *idle;
    /* Shot releases, known at the start, wait in a stream per episode rather than in the
     * heap: rel_next, rel_stop per episode the next and the end of its stream, in the
     * episode's own rows of rel_order, which holds its shots in release order. The heap
     * holds one release per episode, the next; when it is taken, the one after it goes in.
     * Without a starting state or an episode released over a window, every episode's
     * shots are in release order already (all at the lock, or one after the other) and
     * every shot is released: the stream is the shots themselves, and rel_order is not
     * laid out (rel_ordered is 0). */
    rs_i32 *rel_order;
    int rel_ordered;
    rs_i32 *rel_next;
    rs_entry *heap;

    double *od;
    rs_i64 *oi;
    double *delivered, *pool_busy, *pool_billed, *team_busy, *team_ot, *wait_hours, *queue_area;
    double *busy_bins, *queue_bins;
    rs_i64 *escaped, *failed, *reworks, *caught, *attempts, *frames, *wait_n, *preempts,
        *failures, *class_counts, *ties;
    double *down_hours, *repair_wait_hours;
    rs_i64 *crew_repairs;
    rs_i64 repair_seq, repair_head; /* places at the tail and at the head of repair queues */
    rs_i32 repairs_waiting;         /* units waiting for a repairer, in every pool */
    rs_i32 last_class;
    int round_mixed;
    double last_round_t;
    /* The daily bin rs_integrate found last, and its edges in hours. */
    double bin_day, bin_start, bin_end;

    double now;
    rs_u32 round;
    int in_round;
    rs_u32 seq;
    rs_i64 heap_n;
    /* Events due at or after near_end wait unsorted at the far end of the heap's slots
     * (far_n of them, from the last slot down): see rs_push. */
    rs_i64 far_n;
    double near_end;
    rs_i64 idle_n;
    rs_i64 events;
    rs_i64 lease_counter;
    double cloud_closed;
    rs_i32 n_waiting;
    /* Whether dispatch may find work: set by whatever can let a task start (a task joins
     * a waiting list, a unit or a person may have come free), cleared by a dispatch that
     * found nothing to start. */
    int dispatch_due;
    rs_u64 ready; /* bit r: resource r (r < 64) has work waiting and room for some */
    rs_u64 cloud_pools; /* bit p: pool p (p < 64) is a cloud pool */
    rs_i32 n_delivered;
    int finished;
    int closing;
    int status;
    rs_i64 flow_n;
    double flow_h;
    /* Per stage: starts from its queue and the hours they waited; visits whose service
     * ended and their hours from arrival to that end; tasks still queued at the end of
     * the run and the hours they had waited. */
    double *st_wait_h, *st_visit_h, *st_queued_h;
    rs_i64 *st_wait_n, *st_visits, *st_queued;

    double *trace;
    rs_i64 trace_cap;
    rs_i64 trace_n;
} rs_sim;

#define TR_D(sim, rec, f) ((sim)->tk_d[(rs_i64)(rec) * RS_TK_D_SIZE + (f)])
#define TR_I(sim, rec, f) ((sim)->tk_i[(rs_i64)(rec) * RS_TK_I_SIZE + (f)])
#define TK_D(sim, id, f) TR_D(sim, (sim)->tk_record[id], f)
#define TR_H(sim, rec, f) ((sim)->tk_h[(rs_i64)(rec) * RS_TK_H_SIZE + (f)])
#define TK_I(sim, id, f) TR_I(sim, (sim)->tk_record[id], f)
#define TK_H(sim, id, f) TR_H(sim, (sim)->tk_record[id], f)
#define UN_I(sim, u, f) ((sim)->un_i[(rs_i64)(u) * RS_UI_SIZE + (f)])
#define UN_L(sim, u, f) ((sim)->un_l[(rs_i64)(u) * RS_UL_SIZE + (f)])
#define UN_D(sim, u, f) ((sim)->un_d[(rs_i64)(u) * RS_UD_SIZE + (f)])
#define PS_D(sim, p, f) ((sim)->ps_d[(rs_i64)(p) * RS_PS_D_SIZE + (f)])
#define PS_I(sim, p, f) ((sim)->ps_i[(rs_i64)(p) * RS_PS_I_SIZE + (f)])
#define ST_I(sim, g, f) ((sim)->st_i[(rs_i64)(g) * RS_SI_SIZE + (f)])
#define ST_D(sim, g, f) ((sim)->st_d[(rs_i64)(g) * RS_SD_SIZE + (f)])
#define OP_I(sim, o, f) ((sim)->op_i[(rs_i64)(o) * RS_OI_SIZE + (f)])
#define OP_D(sim, o, f) ((sim)->op_d[(rs_i64)(o) * RS_OD_SIZE + (f)])
#define PL_I(sim, p, f) ((sim)->pl_i[(rs_i64)(p) * RS_PI_SIZE + (f)])
#define PL_D(sim, p, f) ((sim)->pl_d[(rs_i64)(p) * RS_PD_SIZE + (f)])
#define TM_I(sim, t, f) ((sim)->tm_i[(rs_i64)(t) * RS_TI_SIZE + (f)])
#define TM_D(sim, t, f) ((sim)->tm_d[(rs_i64)(t) * RS_TD_SIZE + (f)])
#define EP_I(sim, e, f) ((sim)->ep_i[(rs_i64)(e) * RS_EI_SIZE + (f)])
#define EP_D(sim, e, f) ((sim)->ep_d[(rs_i64)(e) * RS_ED_SIZE + (f)])
#define MON(sim, m, f) ((sim)->mon[(rs_i64)(m) * RS_MON_SIZE + (f)])

RS_DEVICE void rs_trace(rs_sim *RS_RESTRICT sim, int code, double x, double y, double z, double w)
{
    if (sim->trace != 0 && sim->trace_n < sim->trace_cap) {
        double *rec = sim->trace + sim->trace_n * RS_TRACE_WIDTH;
        rec[0] = sim->now;
        rec[1] = (double)code;
        rec[2] = x;
        rec[3] = y;
        rec[4] = z;
        rec[5] = w;
    }
    if (sim->trace != 0) {
        sim->trace_n += 1;
    }
}

/* The first uniform of an address (a one-off draw): half a Philox block. */
RS_DEVICE double rs_uniform(rs_sim *RS_RESTRICT sim, rs_u32 purpose, rs_u32 owner, rs_u32 sub)
{
    rs_u64 x = rs_philox_first(sim->rep, (purpose << 24) | owner, sub, 0, &sim->keys);
    return rs_to_uniform((rs_u32)(x >> 32), (rs_u32)x);
}

/* Whether the one-off draw of an address falls below p. A uniform lies strictly between 0
 * and 1, so for p <= 0 or p >= 1 the answer is known without the draw; draws are addressed
 * (no stream moves on), so leaving one out changes no other draw. */
RS_DEVICE int rs_chance(rs_sim *RS_RESTRICT sim, rs_u32 purpose, rs_u32 owner, rs_u32 sub, double p)
{
    if (p <= 0.0) {
        return 0;
    }
    if (p >= 1.0) {
        return 1;
    }
    return rs_uniform(sim, purpose, owner, sub) < p;
}

RS_DEVICE double rs_draw(rs_sim *RS_RESTRICT sim, rs_i64 dist, rs_stream *s)
{
    return rs_sample(sim->mi, sim->md, sim->dist_table, dist, s);
}

/* The daily bin of a time t >= 0 (docs/model.md "Numbers"): floor(t / 24), the quotient
 * rounded to a double first. For a divisor of 24 the rounded quotient never reaches the
 * next whole number, so this is the exact floor; simulator/engines/reference/monitor.py
 * computes the same formula. */
RS_DEVICE double rs_day_of(double t)
{
    return RS_FLOOR(t / RS_HOURS_PER_BIN);
}

/* ---------------------------------------------------------------------------------------
 * Level monitors (simulator/engines/reference/monitor.py). Monitor m < n_res is the busy level of
 * resource m, n_res + m its queue length; the daily bins are accumulated in the output. */

RS_DEVICE void rs_integrate(rs_sim *RS_RESTRICT sim, rs_i32 m, double t)
{
    double *mon = sim->mon + (rs_i64)m * RS_MON_SIZE;
    double since = mon[RS_MON_SINCE];
    double level = mon[RS_MON_LEVEL];
    double *bins;
    double a, day;
    rs_i64 d;
    if (t <= since) {
        return;
    }
    mon[RS_MON_AREA] += level * (t - since);
    mon[RS_MON_SINCE] = t;
    if (level == 0.0) {
        return;
    }
    bins = m < sim->n_res ? sim->busy_bins + (rs_i64)m * sim->n_days
                          : sim->queue_bins + (rs_i64)(m - sim->n_res) * sim->n_days;
    /* Only the first bin needs the division: a bin's edge (day + 1) * 24 is exact, and
     * floor(edge / 24) is day + 1 exactly, so the next bin is the next whole day. The
     * last day found is kept with its edges: a time between them is in that day (the
     * floor is exact, rs_day_of), and most changes fall in the day of the one before. */
    a = since;
    if (!(sim->bin_start <= a && a < sim->bin_end)) {
        sim->bin_day = rs_day_of(a);
        sim->bin_start = sim->bin_day * RS_HOURS_PER_BIN;
        sim->bin_end = (sim->bin_day + 1.0) * RS_HOURS_PER_BIN;
    }
    day = sim->bin_day;
    d = (rs_i64)day;
    if (t <= sim->bin_end && d >= 0 && d < sim->n_days) { /* within the day: one bin */
        bins[d] += level * (t - a);
        return;
    }
    while (a < t) {
        double edge = (day + 1.0) * RS_HOURS_PER_BIN;
        double b = edge < t ? edge : t;
        if (d >= 0 && d < sim->n_days) {
            bins[d] += level * (b - a);
        } else {
            sim->status = RS_BAD_LAYOUT;
        }
        a = b;
        day += 1.0;
        d += 1;
    }
}

RS_DEVICE void rs_monitor_add(rs_sim *RS_RESTRICT sim, rs_i32 m, rs_i64 delta)
{
    rs_integrate(sim, m, sim->now);
    MON(sim, m, RS_MON_LEVEL) += (double)delta;
}

/* ---------------------------------------------------------------------------------------
 * Events: a binary heap in scratch. */

/* A time's bits as an unsigned integer, and back. Every event time is a sum now + delay
 * with now >= +0.0 and delay >= +0.0 (rs_at, rs_release_time), so it is neither negative,
 * nor -0.0, nor NaN, and for such doubles the bits order as the numbers do. */
RS_DEVICE rs_u64 rs_time_bits(double t)
{
    union {
        double value;
        rs_u64 bits;
    } x;
    x.value = t;
    return x.bits;
}

RS_DEVICE double rs_entry_time(const rs_entry *e)
{
    union {
        rs_u64 bits;
        double value;
    } x;
    x.bits = e->when;
    return x.value;
}

RS_DEVICE int rs_entry_less(const rs_entry *a, const rs_entry *b)
{
    if (a->when != b->when) {
        return a->when < b->when;
    }
    if (a->order != b->order) {
        return a->order < b->order;
    }
    return a->tie < b->tie;
}

RS_DEVICE rs_u32 rs_entry_gen(const rs_entry *e)
{
    return (rs_u32)(e->order >> 32);
}

RS_DEVICE rs_i32 rs_entry_class(const rs_entry *e)
{
    return (rs_i32)((e->order >> RS_ORDER_KEY_BITS) & 0xF);
}

RS_DEVICE rs_i32 rs_entry_k0(const rs_entry *e)
{
    return (rs_i32)(e->order & RS_ORDER_KEY_MASK) - 1;
}

RS_DEVICE rs_event rs_decode(const rs_entry *e)
{
    rs_event ev;
    ev.t = rs_entry_time(e);
    ev.gen = rs_entry_gen(e);
    ev.cls = rs_entry_class(e);
    ev.k0 = rs_entry_k0(e);
    ev.k1 = (rs_i32)(e->tie >> 32);
    ev.seq = (rs_u32)e->tie;
    ev.a = e->a;
    ev.b = e->b;
    return ev;
}

/* The event heap is 4-ary: half the levels of a binary heap, the four children of a
 * node side by side in memory (rs_pop picks the least of four in two pairs). */
#define RS_HEAP_ARITY 4

/* How far ahead of the earliest far event the heap takes events in, hours. */
#define RS_NEAR_HOURS 24.0

RS_DEVICE void rs_heap_insert(rs_sim *RS_RESTRICT sim, const rs_entry *ev)
{
    rs_i64 i = sim->heap_n++;
    while (i > 0) {
        rs_i64 parent = (i - 1) / RS_HEAP_ARITY;
        if (!rs_entry_less(ev, &sim->heap[parent])) {
            break;
        }
        sim->heap[i] = sim->heap[parent];
        i = parent;
    }
    sim->heap[i] = *ev;
}

/* Schedule an event `delay` hours from now, as the reference's agenda.at (max(delay, 0)).
 * An event due at or after the end of the run would never be handled (the run stops
 * before that instant's round), so it only takes its posting number.
 *
 * The heap holds the events due before near_end; the later ones (far failures, spot
 * notices made void by a later exposure change, idle timers) wait unsorted in the heap's
 * last slots and cost nothing until the heap runs empty: then the earliest of them sets a
 * new near_end a day later, and every far event before it moves into the heap
 * (rs_refill, before the next round). Every heap event is due before every far one, and
 * near_end lies after the instant being run, so the heap's top is the next event and a
 * round never misses one of its own. */
RS_DEVICE void rs_push(rs_sim *RS_RESTRICT sim, const rs_entry *ev)
{
    double t = rs_entry_time(ev);
    if (!(t < sim->run_end)) {
        return;
    }
    if (sim->heap_n + sim->far_n >= sim->heap_cap) {
        sim->status = RS_HEAP_FULL;
        return;
    }
    if (sim->heap_n == 0 && sim->far_n == 0 && t >= sim->near_end) {
        sim->near_end = t + RS_NEAR_HOURS;
    }
    if (t < sim->near_end) {
        rs_heap_insert(sim, ev);
    } else {
        sim->far_n += 1;
        sim->heap[sim->heap_cap - sim->far_n] = *ev;
    }
}

/* The heap ran empty: the far events due within a day of the earliest go into it. They
 * are first gathered at the low end of the far slots, so that the growing heap never
 * reaches a far event not yet read. */
RS_DEVICE void rs_refill(rs_sim *RS_RESTRICT sim)
{
    rs_i64 base = sim->heap_cap - sim->far_n, k, moved = base;
    double first = rs_entry_time(&sim->heap[base]);
    for (k = base + 1; k < sim->heap_cap; k++) {
        if (rs_entry_time(&sim->heap[k]) < first) {
            first = rs_entry_time(&sim->heap[k]);
        }
    }
    sim->near_end = first + RS_NEAR_HOURS;
    for (k = base; k < sim->heap_cap; k++) {
        if (rs_entry_time(&sim->heap[k]) < sim->near_end) {
            rs_entry e = sim->heap[k];
            sim->heap[k] = sim->heap[moved];
            sim->heap[moved++] = e;
        }
    }
    sim->far_n = sim->heap_cap - moved;
    for (k = base; k < moved; k++) {
        rs_entry e = sim->heap[k];
        rs_heap_insert(sim, &e);
    }
}

RS_DEVICE rs_u64 rs_order(rs_u32 gen, rs_i32 cls, rs_i32 k0)
{
    return ((rs_u64)gen << 32) | ((rs_u64)cls << RS_ORDER_KEY_BITS)
           | ((rs_u64)(rs_i64)(k0 + 1) & RS_ORDER_KEY_MASK);
}

RS_DEVICE void rs_at(rs_sim *RS_RESTRICT sim, double delay, rs_i32 cls, rs_i32 k0, rs_i32 k1, rs_i32 a,
                     rs_i32 b)
{
    rs_entry ev;
    rs_u32 gen;
    double t;
    if (sim->closing) {
        return;
    }
    t = sim->now + (delay > 0.0 ? delay : 0.0);
    ev.when = rs_time_bits(t);
    gen = (sim->in_round && t == sim->now) ? sim->round + 1 : 0;
    ev.order = rs_order(gen, cls, k0);
    ev.tie = ((rs_u64)(rs_u32)k1 << 32) | (rs_u64)sim->seq++;
    ev.a = a;
    ev.b = b;
    rs_push(sim, &ev);
}

/* The number shot s's release was posted with at the start: the shots are posted in id
 * order (episode by episode, each one's shots in order), those through or failed before
 * a starting state skipped. */
RS_DEVICE rs_u32 rs_release_seq(rs_sim *RS_RESTRICT sim, rs_i32 s)
{
    return sim->has_start ? (rs_u32)sim->start_shot[(rs_i64)s * RS_SS_SIZE + RS_SS_POSTED]
                          : (rs_u32)s;
}

/* When shot s's release was posted at the start (posting number rs_release_seq): at the
 * start itself for a shot resumed mid-pipeline, else at its release time (not before
 * the start), as rs_at computed it. */
RS_DEVICE double rs_shot_release(rs_sim *RS_RESTRICT sim, rs_i32 s)
{
    rs_i64 e = sim->shot_ep[s];
    return EP_I(sim, e, RS_EI_RELEASE) == RS_RELEASE_ALL_AT_ONCE ? EP_D(sim, e, RS_ED_LOCK)
                                                                 : sim->sh_release[s];
}

RS_DEVICE double rs_release_time(rs_sim *RS_RESTRICT sim, rs_i32 s)
{
    double delay = rs_shot_release(sim, s) - sim->start_now;
    if (sim->sh_state[s] & RS_STATE_RESUMED) {
        return sim->start_now + 0.0; /* as rs_at: a start at -0.0 posts at +0.0 */
    }
    return sim->start_now + (delay > 0.0 ? delay : 0.0);
}

/* Episode e's next shot release into the heap, as the start posted it: generation 0,
 * class release, key the shot, its posting number. */
RS_DEVICE void rs_push_release(rs_sim *RS_RESTRICT sim, rs_i32 e)
{
    rs_i32 at = sim->rel_next[2 * e];
    rs_entry ev;
    rs_i32 s;
    if (at >= sim->rel_next[2 * e + 1]) {
        return;
    }
    sim->rel_next[2 * e] = at + 1;
    s = sim->rel_ordered ? sim->rel_order[at] : at;
    ev.when = rs_time_bits(rs_release_time(sim, s));
    ev.order = rs_order(0, RS_EV_RELEASE, s);
    ev.tie = (rs_u64)rs_release_seq(sim, s);
    ev.a = 0;
    ev.b = 0;
    rs_push(sim, &ev);
}

RS_DEVICE rs_event rs_pop(rs_sim *RS_RESTRICT sim)
{
    rs_entry *heap = sim->heap;
    rs_event top = rs_decode(&heap[0]);
    rs_i64 n = --sim->heap_n;
    rs_entry last = heap[n];
    rs_i64 i = 0, first;
    /* The last entry sinks from the top: at each level the least of the (up to four)
     * children moves up while it comes before the last entry. */
    while ((first = RS_HEAP_ARITY * i + 1) < n) {
        const rs_entry *least = &heap[first];
        if (first + RS_HEAP_ARITY <= n) { /* four children: two pairs, then their least */
            const rs_entry *other = &heap[first + 2];
            if (rs_entry_less(&heap[first + 1], least)) {
                least = &heap[first + 1];
            }
            if (rs_entry_less(&heap[first + 3], other)) {
                other = &heap[first + 3];
            }
            if (rs_entry_less(other, least)) {
                least = other;
            }
        } else {
            rs_i64 c;
            for (c = first + 1; c < n; c++) {
                if (rs_entry_less(&heap[c], least)) {
                    least = &heap[c];
                }
            }
        }
        if (!rs_entry_less(least, &last)) {
            break;
        }
        heap[i] = *least;
        i = least - heap;
    }
    heap[i] = last; /* with the heap now empty, the slot it came from */
    if (top.cls == RS_EV_RELEASE && top.k0 < sim->n_shots) {
        rs_push_release(sim, (rs_i32)sim->shot_ep[top.k0]);
    }
    return top;
}

/* ---------------------------------------------------------------------------------------
 * Resources. Resource r: pools 0..n_pools-1, then teams. */

RS_DEVICE rs_i32 rs_option_resource(rs_sim *RS_RESTRICT sim, rs_i64 o)
{
    rs_i32 index = (rs_i32)OP_I(sim, o, RS_OI_INDEX);
    return OP_I(sim, o, RS_OI_RESOURCE) == RS_RESOURCE_POOL ? index : sim->n_pools + index;
}

RS_DEVICE rs_i32 rs_queue_resource(rs_sim *RS_RESTRICT sim, rs_i32 stage)
{
    return rs_option_resource(sim, ST_I(sim, stage, RS_SI_FIRST_OPTION));
}

RS_DEVICE int rs_unit_free(rs_sim *RS_RESTRICT sim, rs_i64 u)
{
    return (UN_I(sim, u, RS_UI_FLAGS) & RS_FREE_MASK) == RS_FREE_BITS
           && UN_I(sim, u, RS_UI_TASK) < 0;
}

/* Free units per pool are counted as they change (dispatch asks for them all the time):
 * every change of a unit's flags or task goes through these two functions. No unit of a
 * pool below its first-free place is free (rs_start looks from there). */
RS_DEVICE rs_i32 rs_count_free(rs_sim *RS_RESTRICT sim, rs_i32 p)
{
    return PS_I(sim, p, RS_PS_FREE);
}

/* Resource r's bit in `ready`: a pool with a unit free, a team with a person free on duty,
 * and a task on its list. Kept as the counts change; dispatch looks at these resources
 * only (the others have nothing to start). Resources from the 64th on are always looked at. */
RS_DEVICE void rs_ready_set(rs_sim *RS_RESTRICT sim, rs_i32 r, int ready)
{
    if (r < 64) {
        rs_u64 bit = (rs_u64)1 << r;
        sim->ready = ready ? sim->ready | bit : sim->ready & ~bit;
    }
}

RS_DEVICE void rs_ready_update(rs_sim *RS_RESTRICT sim, rs_i32 r)
{
    int room;
    if (r < sim->n_pools) {
        room = PS_I(sim, r, RS_PS_FREE) > 0;
    } else {
        const rs_i32 *state = sim->ts_i + (rs_i64)(r - sim->n_pools) * RS_TS_I_SIZE;
        room = state[RS_TS_BUSY] < state[RS_TS_ON_DUTY];
    }
    rs_ready_set(sim, r, room && sim->wait_count[r] > 0);
}

RS_DEVICE void rs_unit_freed(rs_sim *RS_RESTRICT sim, rs_i64 u)
{
    rs_i32 p = (rs_i32)UN_I(sim, u, RS_UI_POOL);
    rs_i32 local = (rs_i32)(u - PL_I(sim, p, RS_PI_FIRST_UNIT));
    if (local < PS_I(sim, p, RS_PS_FIRST_FREE)) {
        PS_I(sim, p, RS_PS_FIRST_FREE) = local;
    }
}

/* After a change of unit u's flags or task: its pool's free count (and the pool's bit of
 * resources ready to dispatch) and first-free place follow whether it became free or
 * stopped being free (``was``: free before the change). */
RS_DEVICE void rs_unit_changed(rs_sim *RS_RESTRICT sim, rs_i64 u, int was)
{
    int now_free = rs_unit_free(sim, u);
    if (now_free != was) {
        rs_i32 p = (rs_i32)UN_I(sim, u, RS_UI_POOL);
        rs_i32 free = PS_I(sim, p, RS_PS_FREE) + now_free - was;
        PS_I(sim, p, RS_PS_FREE) = free;
        if (free <= 1) { /* none free, or the first one */
            rs_ready_set(sim, p, free > 0 && sim->wait_count[p] > 0);
        }
        if (now_free > was) {
            rs_unit_freed(sim, u);
        }
    }
    sim->dispatch_due |= now_free;
}

/* Whether a unit with these flags is exposed to spot preemption: leased, ready, not draining. */
RS_DEVICE int rs_flags_exposed(rs_i64 flags)
{
    return (flags & (RS_FLAG_LEASED | RS_FLAG_READY | RS_FLAG_DRAINING))
           == (RS_FLAG_LEASED | RS_FLAG_READY);
}

RS_DEVICE void rs_unit_flags(rs_sim *RS_RESTRICT sim, rs_i64 u, rs_i64 flags)
{
    int was = rs_unit_free(sim, u);
    rs_i32 p = (rs_i32)UN_I(sim, u, RS_UI_POOL);
    PS_I(sim, p, RS_PS_EXPOSED) +=
        rs_flags_exposed(flags) - rs_flags_exposed(UN_I(sim, u, RS_UI_FLAGS));
    UN_I(sim, u, RS_UI_FLAGS) = flags;
    rs_unit_changed(sim, u, was);
}

/* Pool p's free count after `taken` of its free units were given a task, as rs_unit_changed
 * leaves it unit by unit (the ready bit set at the last count of one or none). */
RS_DEVICE void rs_units_taken(rs_sim *RS_RESTRICT sim, rs_i32 p, rs_i32 taken)
{
    rs_i32 free = PS_I(sim, p, RS_PS_FREE) - taken;
    PS_I(sim, p, RS_PS_FREE) = free;
    if (taken > 0 && free <= 1) {
        rs_ready_set(sim, p, free > 0 && sim->wait_count[p] > 0);
    }
}

/* Unit u, local place `local` of pool p, ends its task: as rs_unit_changed, when that makes
 * it free. */
RS_DEVICE void rs_unit_done(rs_sim *RS_RESTRICT sim, rs_i32 p, rs_i64 u, rs_i32 local)
{
    UN_I(sim, u, RS_UI_TASK) = -1;
    if ((UN_I(sim, u, RS_UI_FLAGS) & RS_FREE_MASK) == RS_FREE_BITS) {
        rs_i32 free = PS_I(sim, p, RS_PS_FREE) + 1;
        PS_I(sim, p, RS_PS_FREE) = free;
        if (free == 1) {
            rs_ready_set(sim, p, sim->wait_count[p] > 0);
        }
        if (local < PS_I(sim, p, RS_PS_FIRST_FREE)) {
            PS_I(sim, p, RS_PS_FIRST_FREE) = local;
        }
        sim->dispatch_due = 1;
    }
}

/* Pool p's units exposed to preemption, counted as their flags change (rs_unit_flags). */
RS_DEVICE rs_i32 rs_exposed(rs_sim *RS_RESTRICT sim, rs_i32 p)
{
    return PS_I(sim, p, RS_PS_EXPOSED);
}

RS_DEVICE rs_i32 rs_free_slot(rs_sim *RS_RESTRICT sim, rs_i32 team)
{
    rs_i64 s0 = TM_I(sim, team, RS_TI_FIRST_SLOT);
    rs_i32 on_duty = sim->ts_i[(rs_i64)team * RS_TS_I_SIZE + RS_TS_ON_DUTY];
    rs_i32 k;
    for (k = 0; k < on_duty; k++) {
        if (sim->sl_i[s0 + k] < 0) {
            return (rs_i32)(s0 + k);
        }
    }
    return -1;
}

RS_DEVICE int rs_pool_cloud(rs_sim *RS_RESTRICT sim, rs_i32 p)
{
    return PL_I(sim, p, RS_PI_KIND) != RS_POOL_RESERVED;
}

RS_DEVICE double rs_billed_hours(rs_sim *RS_RESTRICT sim, rs_i32 p, double length)
{
    double inc = PL_D(sim, p, RS_PD_BILLING_INCREMENT);
    double minimum = PL_D(sim, p, RS_PD_BILLING_MINIMUM);
    double rounded = inc > 0.0 ? RS_CEIL(length / inc - 1e-9) * inc : length;
    return minimum > rounded ? minimum : rounded;
}

/* ---------------------------------------------------------------------------------------
 * Tasks and the waiting room. A task's id is its shot's id, or n_shots + episode. */

RS_DEVICE double rs_mean_hours(rs_sim *RS_RESTRICT sim, rs_i64 o, double frames)
{
    double work = OP_I(sim, o, RS_OI_PER_FRAME) >= 0 ? OP_D(sim, o, RS_OD_PER_FRAME_MEAN) * frames
                                                     : 0.0;
    if (OP_I(sim, o, RS_OI_PER_TASK) >= 0) {
        work += OP_D(sim, o, RS_OD_PER_TASK_MEAN);
    }
    return OP_D(sim, o, RS_OD_SETUP) + work;
}

/* A stage's mean hours on its first option (the reference's options[0].mean_hours), from
 * the stage's own row: the task keys ask for it on every task, for several stages. */
RS_DEVICE double rs_stage_mean_hours(rs_sim *RS_RESTRICT sim, rs_i32 g, double frames)
{
    const rs_i64 *row_i = sim->st_i + (rs_i64)g * RS_SI_SIZE;
    const double *row_d = sim->st_d + (rs_i64)g * RS_SD_SIZE;
    double work = row_i[RS_SI_HAS_PER_FRAME] ? row_d[RS_SD_PER_FRAME_MEAN] * frames : 0.0;
    if (row_i[RS_SI_HAS_PER_TASK]) {
        work += row_d[RS_SD_PER_TASK_MEAN];
    }
    return row_d[RS_SD_SETUP] + work;
}

/* The reference's _remaining_after: mean hours of the shot stages after `stage` (with the
 * shot's frames) and of every episode stage, each on its first option, left to right. */
RS_DEVICE double rs_remaining_after(rs_sim *RS_RESTRICT sim, rs_i32 stage, double frames)
{
    double total = 0.0;
    rs_i32 k;
    rs_i32 base = sim->n_sst + sim->n_fb;
    for (k = stage + 1; k < sim->n_sst; k++) {
        total += rs_stage_mean_hours(sim, k, frames);
    }
    for (k = 0; k < sim->n_est; k++) {
        total += ST_D(sim, base + k, RS_SD_MEAN_HOURS_NO_FRAMES);
    }
    return total;
}

RS_DEVICE rs_i32 rs_task_episode(rs_sim *RS_RESTRICT sim, rs_i32 id)
{
    return id < sim->n_shots ? (rs_i32)sim->shot_ep[id] : id - sim->n_shots;
}

/* A task's deadline: its episode's. */
RS_DEVICE double rs_task_deadline(rs_sim *RS_RESTRICT sim, rs_i32 id)
{
    return EP_D(sim, rs_task_episode(sim, id), RS_ED_DEADLINE);
}

/* A task's place in dispatch order, (interrupted first, key, arrival, id), read from its
 * record once so that it can be held against many others. */
typedef struct {
    rs_i32 rank; /* 0: interrupted, 1: not */
    rs_i32 id;
    double key, arrival;
} rs_task_order;

RS_DEVICE rs_task_order rs_order_of(rs_sim *RS_RESTRICT sim, rs_i32 id)
{
    rs_i32 rec = sim->tk_record[id];
    rs_task_order x;
    x.rank = TR_H(sim, rec, RS_TK_INTERRUPTED) ? 0 : 1;
    x.id = id;
    x.key = TR_D(sim, rec, RS_TK_KEY);
    x.arrival = TR_D(sim, rec, RS_TK_ARRIVAL);
    return x;
}

/* Whether the task of order x comes before task b in dispatch order. */
RS_DEVICE int rs_before(rs_sim *RS_RESTRICT sim, const rs_task_order *x, rs_i32 b)
{
    rs_i32 rb = sim->tk_record[b];
    rs_i32 ib = TR_H(sim, rb, RS_TK_INTERRUPTED) ? 0 : 1;
    double y;
    if (x->rank != ib) {
        return x->rank < ib;
    }
    y = TR_D(sim, rb, RS_TK_KEY);
    if (x->key != y) {
        return x->key < y;
    }
    y = TR_D(sim, rb, RS_TK_ARRIVAL);
    if (x->arrival != y) {
        return x->arrival < y;
    }
    return x->id < b;
}

/* Dispatch order: (interrupted first, key, arrival, id). */
RS_DEVICE int rs_task_less(rs_sim *RS_RESTRICT sim, rs_i32 a, rs_i32 b)
{
    rs_task_order x = rs_order_of(sim, a);
    return rs_before(sim, &x, b);
}

/* Set up task `id` (the reference's _task): features, frozen key, fresh state. */
RS_INLINE void rs_new_task(rs_sim *RS_RESTRICT sim, rs_i32 id, rs_i32 stage, rs_i32 address, rs_i32 pass,
                           rs_i32 attempt, double expected, double remaining)
{
    rs_i32 ep = rs_task_episode(sim, id);
    rs_i64 o = ST_I(sim, stage, RS_SI_FIRST_OPTION);
    double now = sim->now;
    double deadline = EP_D(sim, ep, RS_ED_DEADLINE);
    double priority = EP_D(sim, ep, RS_ED_PRIORITY);
    const double *w;
    rs_i32 rec;
    rs_i32 index = (rs_i32)OP_I(sim, o, RS_OI_INDEX);
    if (sim->tk_record[id] < 0) {
        if (sim->tk_free_n > 0) {
            sim->tk_record[id] = sim->tk_free[--sim->tk_free_n];
        } else {
            /* Out of records: the spare one takes the writes, and the run stops. */
            sim->tk_record[id] = sim->tk_cap;
            sim->status = RS_HEAP_FULL;
        }
    } else if (id == sim->ending) {
        sim->renewed = 1;
    }
    rec = sim->tk_record[id];
    if (OP_I(sim, o, RS_OI_RESOURCE) == RS_RESOURCE_POOL) {
        w = sim->pl_d + (rs_i64)index * RS_PD_SIZE + RS_PD_W_ARRIVAL;
    } else {
        w = sim->tm_d + (rs_i64)index * RS_TD_SIZE + RS_TD_W_ARRIVAL;
    }
    TR_D(sim, rec, RS_TK_KEY) = w[0] * now + w[1] * deadline + w[2] * priority + w[3] * expected
                                + w[4] * remaining;
    TR_D(sim, rec, RS_TK_ARRIVAL) = now;
    TR_D(sim, rec, RS_TK_REMAINING_WORK) = remaining;
    TR_D(sim, rec, RS_TK_QUEUED_AT) = 0.0;
    TR_D(sim, rec, RS_TK_REMAINING) = -1.0;
    TR_D(sim, rec, RS_TK_START) = 0.0;
    TR_D(sim, rec, RS_TK_END) = 0.0;
    TR_H(sim, rec, RS_TK_STAGE) = stage;
    TR_H(sim, rec, RS_TK_ADDRESS) = address;
    TR_I(sim, rec, RS_TK_PASS) = pass;
    TR_H(sim, rec, RS_TK_ATTEMPT) = attempt;
    TR_H(sim, rec, RS_TK_INTERRUPTED) = 0;
    TR_I(sim, rec, RS_TK_OPTION) = -1;
    TR_I(sim, rec, RS_TK_SLOT) = -1;
    TR_H(sim, rec, RS_TK_N_UNITS) = 0;
    TR_I(sim, rec, RS_TK_VERSION) = 0;
}

/* The resource of an option's row (RS_OI_SIZE ints). */
RS_DEVICE rs_i32 rs_row_resource(const rs_i64 *row, rs_i32 n_pools)
{
    rs_i32 index = (rs_i32)row[RS_OI_INDEX];
    return row[RS_OI_RESOURCE] == RS_RESOURCE_POOL ? index : n_pools + index;
}

/* The resource of the k-th of a stage's option rows, or -1 where an earlier one names the
 * same (a stage's options name a set of resources, each with its list). */
RS_DEVICE rs_i32 rs_kth_resource(const rs_i64 *rows, rs_i64 k, rs_i32 n_pools)
{
    rs_i32 r = rs_row_resource(rows + k * RS_OI_SIZE, n_pools);
    rs_i64 j;
    for (j = 0; j < k; j++) {
        if (rs_row_resource(rows + j * RS_OI_SIZE, n_pools) == r) {
            return -1;
        }
    }
    return r;
}

/* A resource's waiting list, in dispatch order, is a ring in its room of the wait lists
 * (wait_off[r + 1] - wait_off[r] places: as many as the tasks that may wait there, or the
 * task records if fewer, since a waiting task has a record): the k-th task in order sits
 * at place (head + k) mod room. Most tasks join at the tail (keys grow with time) and
 * leave from the head, so both ends are tried before a search, and a task in the middle
 * moves the shorter side of the ring. */
RS_DEVICE rs_i32 rs_wait_room(rs_sim *RS_RESTRICT sim, rs_i32 r)
{
    return (rs_i32)(sim->wait_off[r + 1] - sim->wait_off[r]);
}

RS_DEVICE rs_i32 rs_wait_place(rs_sim *RS_RESTRICT sim, rs_i32 r, rs_i32 k)
{
    rs_i32 room = rs_wait_room(sim, r);
    rs_i32 at = sim->wait_head[r] + k;
    return at >= room ? at - room : at;
}

/* The k-th task of resource r's waiting list in dispatch order. */
RS_DEVICE rs_i32 rs_waiting_at(rs_sim *RS_RESTRICT sim, rs_i32 r, rs_i32 k)
{
    return sim->wait_lists[sim->wait_off[r] + rs_wait_place(sim, r, k)];
}

/* A time before which no task with this arrival and this deadline less remaining work
 * (or with a later arrival and a larger difference) bursts (rs_bursts): its wait reaches
 * the threshold at arrival + wait, its slack falls below the threshold after deadline -
 * remaining work - slack; both a little early (a billionth, relative), so that rounding in
 * rs_bursts' own subtractions cannot make a task burst sooner. */
RS_DEVICE double rs_no_burst_before(rs_sim *RS_RESTRICT sim, double arrival, double deadline_less_work)
{
    double t = arrival + sim->burst_wait;
    if (sim->has_slack) {
        double u = deadline_less_work - sim->burst_slack;
        t = u < t ? u : t;
    }
    if (!(t < rs_infinity())) {
        return t;
    }
    return t - 1e-9 * (RS_FABS(t) + 1.0);
}

/* Put task id at position lo of resource r's list, moving the shorter side. */
RS_DEVICE void rs_wait_insert_at(rs_sim *RS_RESTRICT sim, rs_i32 r, rs_i32 lo, rs_i32 id)
{
    rs_i32 *list = sim->wait_lists + sim->wait_off[r];
    rs_i32 room = rs_wait_room(sim, r);
    rs_i32 count = sim->wait_count[r];
    rs_i32 k;
    if (lo < count - lo) { /* the head side moves one place back */
        rs_i32 head = sim->wait_head[r] - 1;
        sim->wait_head[r] = head < 0 ? head + room : head;
        for (k = 0; k < lo; k++) {
            list[rs_wait_place(sim, r, k)] = list[rs_wait_place(sim, r, k + 1)];
        }
    } else { /* the tail side moves one place on */
        for (k = count; k > lo; k--) {
            list[rs_wait_place(sim, r, k)] = list[rs_wait_place(sim, r, k - 1)];
        }
    }
    list[rs_wait_place(sim, r, lo)] = id;
    sim->wait_count[r] = count + 1;
    if (count == 0) {
        rs_ready_update(sim, r);
    }
}

/* Take position lo out of resource r's list, moving the shorter side. */
RS_DEVICE void rs_wait_remove_at(rs_sim *RS_RESTRICT sim, rs_i32 r, rs_i32 lo)
{
    rs_i32 *list = sim->wait_lists + sim->wait_off[r];
    rs_i32 count = sim->wait_count[r];
    rs_i32 k;
    if (lo < count - 1 - lo) { /* the head side moves one place on */
        for (k = lo; k > 0; k--) {
            list[rs_wait_place(sim, r, k)] = list[rs_wait_place(sim, r, k - 1)];
        }
        sim->wait_head[r] = rs_wait_place(sim, r, 1);
    } else {
        for (k = lo; k < count - 1; k++) {
            list[rs_wait_place(sim, r, k)] = list[rs_wait_place(sim, r, k + 1)];
        }
    }
    sim->wait_count[r] = count - 1;
    if (count == 1) {
        rs_ready_set(sim, r, 0);
    }
}

RS_INLINE void rs_waiting_add(rs_sim *RS_RESTRICT sim, rs_i32 id)
{
    rs_i32 rec = sim->tk_record[id];
    rs_i32 stage = TR_H(sim, rec, RS_TK_STAGE);
    rs_i64 n = ST_I(sim, stage, RS_SI_N_OPTIONS);
    const rs_i64 *rows = sim->op_i + ST_I(sim, stage, RS_SI_FIRST_OPTION) * RS_OI_SIZE;
    rs_i32 n_pools = sim->n_pools;
    rs_i32 *counts = sim->wait_count;
    const rs_i64 *offsets = sim->wait_off;
    rs_task_order x = rs_order_of(sim, id);
    rs_i64 k;
    for (k = 0; k < n; k++) {
        rs_i32 r = rs_kth_resource(rows, k, n_pools);
        rs_i32 count, lo, hi, room, tail, head;
        rs_i32 *list;
        if (r < 0) {
            continue;
        }
        count = counts[r];
        list = sim->wait_lists + offsets[r];
        room = (rs_i32)(offsets[r + 1] - offsets[r]);
        head = sim->wait_head[r];
        tail = head + count; /* the place after the last */
        tail = tail >= room ? tail - room : tail;
        if (count == 0 || !rs_before(sim, &x, list[tail > 0 ? tail - 1 : room - 1])) {
            list[tail] = id; /* at the tail: the common case */
            counts[r] = count + 1;
            if (count == 0) {
                rs_ready_update(sim, r);
            }
        } else {
            if (rs_before(sim, &x, list[head])) {
                lo = 0;
            } else {
                lo = 1;
                hi = count - 1;
                while (lo < hi) { /* bisect_right */
                    rs_i32 mid = (lo + hi) / 2;
                    if (rs_before(sim, &x, list[rs_wait_place(sim, r, mid)])) {
                        hi = mid;
                    } else {
                        lo = mid + 1;
                    }
                }
            }
            rs_wait_insert_at(sim, r, lo, id);
        }
        if (r < n_pools && rs_pool_cloud(sim, r)) {
            double t = rs_no_burst_before(sim, x.arrival,
                                          rs_task_deadline(sim, id)
                                              - TR_D(sim, rec, RS_TK_REMAINING_WORK));
            if (t < PS_D(sim, r, RS_PS_NO_BURST_BEFORE)) {
                PS_D(sim, r, RS_PS_NO_BURST_BEFORE) = t;
            }
        }
    }
    sim->n_waiting += 1;
    sim->dispatch_due = 1;
}

RS_INLINE void rs_waiting_remove(rs_sim *RS_RESTRICT sim, rs_i32 id)
{
    rs_i32 stage = TK_H(sim, id, RS_TK_STAGE);
    rs_i64 n = ST_I(sim, stage, RS_SI_N_OPTIONS);
    const rs_i64 *rows = sim->op_i + ST_I(sim, stage, RS_SI_FIRST_OPTION) * RS_OI_SIZE;
    rs_i32 n_pools = sim->n_pools;
    rs_i32 *counts = sim->wait_count;
    rs_i32 *heads = sim->wait_head;
    const rs_i64 *offsets = sim->wait_off;
    rs_i64 k;
    for (k = 0; k < n; k++) {
        rs_i32 r = rs_kth_resource(rows, k, n_pools);
        rs_i32 count, lo, hi, room, head, last;
        rs_i32 *list;
        if (r < 0) {
            continue;
        }
        count = counts[r];
        list = sim->wait_lists + offsets[r];
        room = (rs_i32)(offsets[r + 1] - offsets[r]);
        head = heads[r];
        if (list[head] == id) { /* the head: the common case */
            heads[r] = head + 1 < room ? head + 1 : 0;
            counts[r] = count - 1;
            if (count == 1) {
                rs_ready_set(sim, r, 0);
            }
            continue;
        }
        last = head + count - 1;
        last = last >= room ? last - room : last;
        if (list[last] == id) {
            lo = count - 1;
        } else {
            rs_task_order x = rs_order_of(sim, id);
            lo = 1;
            hi = count - 1;
            while (lo < hi) { /* bisect_left: the first place not before id */
                rs_i32 mid = (lo + hi) / 2;
                rs_i32 other = list[rs_wait_place(sim, r, mid)];
                if (other != id && !rs_before(sim, &x, other)) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
        }
        rs_wait_remove_at(sim, r, lo);
    }
    sim->n_waiting -= 1;
}

RS_INLINE void rs_enqueue(rs_sim *RS_RESTRICT sim, rs_i32 id)
{
    rs_i32 rec = sim->tk_record[id];
    if (sim->status != RS_OK) {
        /* Out of records (or heap), so the run stops: a waiting list holds at most as
         * many tasks as there are records. */
        return;
    }
    TR_D(sim, rec, RS_TK_QUEUED_AT) = sim->now;
    rs_waiting_add(sim, id);
    rs_monitor_add(sim, sim->n_res + rs_queue_resource(sim, TR_H(sim, rec, RS_TK_STAGE)), 1);
}

/* ---------------------------------------------------------------------------------------
 * Flow of a shot. */

RS_DEVICE void rs_deliver(rs_sim *RS_RESTRICT sim, rs_i32 ep)
{
    rs_i64 first = EP_I(sim, ep, RS_EI_FIRST_SHOT);
    rs_i64 n = EP_I(sim, ep, RS_EI_N_SHOTS);
    rs_i64 escaped = 0;
    rs_i64 k;
    sim->delivered[ep] = sim->now;
    for (k = first; k < first + n; k++) {
        if ((sim->sh_state[k] & RS_STATE_THROUGH) && sim->sh_flag[k] != RS_NO_FLAG) {
            escaped += 1;
        }
    }
    sim->escaped[ep] = escaped;
    rs_trace(sim, RS_TR_DELIVERED, (double)ep, 0.0, 0.0, 0.0);
    sim->n_delivered += 1;
    if (sim->n_delivered == sim->n_eps) {
        sim->finished = 1;
    }
}

RS_DEVICE void rs_enqueue_episode_stage(rs_sim *RS_RESTRICT sim, rs_i32 ep, rs_i32 k)
{
    rs_i32 id = sim->n_shots + ep;
    rs_i32 base = sim->n_sst + sim->n_fb;
    double expected = ST_D(sim, base + k, RS_SD_MEAN_HOURS_NO_FRAMES);
    double remaining = expected;
    rs_i32 later;
    for (later = k + 1; later < sim->n_est; later++) {
        remaining += ST_D(sim, base + later, RS_SD_MEAN_HOURS_NO_FRAMES);
    }
    rs_new_task(sim, id, base + k, k, 0, 0, expected, remaining);
    rs_enqueue(sim, id);
}

RS_DEVICE void rs_shots_through(rs_sim *RS_RESTRICT sim, rs_i32 ep)
{
    if (sim->n_est > 0) {
        rs_enqueue_episode_stage(sim, ep, 0);
    } else {
        rs_deliver(sim, ep);
    }
}

RS_DEVICE void rs_shot_done(rs_sim *RS_RESTRICT sim, rs_i32 s)
{
    rs_i32 ep = (rs_i32)sim->shot_ep[s];
    sim->es_left[ep] -= 1;
    if (sim->es_left[ep] == 0) {
        rs_shots_through(sim, ep);
    }
}

RS_DEVICE void rs_enqueue_shot_task(rs_sim *RS_RESTRICT sim, rs_i32 s, rs_i32 stage, rs_i32 attempt)
{
    double frames = (double)sim->sh_frames[s];
    double expected = rs_stage_mean_hours(sim, stage, frames);
    double remaining = expected + rs_remaining_after(sim, stage, frames);
    rs_new_task(sim, s, stage, stage, sim->sh_pass[s], attempt, expected, remaining);
    rs_enqueue(sim, s);
}

RS_DEVICE void rs_enter_stage(rs_sim *RS_RESTRICT sim, rs_i32 s)
{
    while (sim->sh_stage[s] < sim->n_sst) {
        rs_i32 g = sim->sh_stage[s];
        if (ST_I(sim, g, RS_SI_KIND) == RS_STAGE_REVIEW) {
            rs_u32 sub = rs_pack_sub((rs_i32)ST_I(sim, g, RS_SI_ADDRESS), sim->sh_pass[s], 0);
            if (!rs_chance(sim, RS_PURPOSE_REVIEW_SAMPLE, (rs_u32)s, sub,
                           ST_D(sim, g, RS_SD_SAMPLE_RATE))) {
                sim->sh_stage[s] += 1;
                continue;
            }
        }
        rs_enqueue_shot_task(sim, s, g, sim->sh_attempt[s]);
        return;
    }
    sim->sh_state[s] |= RS_STATE_THROUGH;
    sim->flow_n += 1;
    sim->flow_h += sim->now - rs_shot_release(sim, s);
    rs_shot_done(sim, s);
}

/* ---------------------------------------------------------------------------------------
 * Service. */

RS_INLINE double rs_duration(rs_sim *RS_RESTRICT sim, rs_i32 id, rs_i64 o)
{
    rs_i32 rec = sim->tk_record[id];
    rs_i32 stage = TR_H(sim, rec, RS_TK_STAGE);
    rs_i32 kind = (rs_i32)ST_I(sim, stage, RS_SI_KIND);
    rs_stream s;
    double frames, hours;
    if (TR_D(sim, rec, RS_TK_REMAINING) >= 0.0) {
        return TR_D(sim, rec, RS_TK_REMAINING);
    }
    if (kind == RS_STAGE_EPISODE) {
        rs_stream_init(&s, &sim->keys, sim->rep, RS_PURPOSE_EPISODE_SERVICE,
                       (rs_u32)(id - sim->n_shots),
                       rs_pack_sub(TR_H(sim, rec, RS_TK_ADDRESS), 0, 0));
        frames = 0.0;
    } else {
        rs_u32 purpose = kind == RS_STAGE_FALLBACK ? RS_PURPOSE_FALLBACK : RS_PURPOSE_SERVICE;
        rs_u32 sub = rs_pack_sub(TR_H(sim, rec, RS_TK_ADDRESS), TR_I(sim, rec, RS_TK_PASS),
                                 TR_H(sim, rec, RS_TK_ATTEMPT));
        rs_stream_init(&s, &sim->keys, sim->rep, purpose, (rs_u32)id, sub);
        frames = (double)sim->sh_frames[id];
    }
    hours = OP_D(sim, o, RS_OD_SETUP);
    if (OP_I(sim, o, RS_OI_PER_FRAME) >= 0) {
        hours += frames * rs_draw(sim, OP_I(sim, o, RS_OI_PER_FRAME), &s);
    }
    if (OP_I(sim, o, RS_OI_PER_TASK) >= 0) {
        hours += rs_draw(sim, OP_I(sim, o, RS_OI_PER_TASK), &s);
    }
    return hours;
}

RS_INLINE void rs_start(rs_sim *RS_RESTRICT sim, rs_i32 id, rs_i64 o, rs_i32 slot)
{
    rs_i32 rec = sim->tk_record[id];
    double now = sim->now;
    double duration;
    rs_i32 stage = TR_H(sim, rec, RS_TK_STAGE);
    rs_i32 q = rs_queue_resource(sim, stage);
    rs_i32 ep = rs_task_episode(sim, id);
    TR_I(sim, rec, RS_TK_OPTION) = (rs_i32)o;
    TR_I(sim, rec, RS_TK_SLOT) = slot;
    TR_H(sim, rec, RS_TK_N_UNITS) = 0;
    TR_D(sim, rec, RS_TK_START) = now;
    duration = rs_duration(sim, id, o);
    TR_D(sim, rec, RS_TK_END) = now + duration;
    TR_D(sim, rec, RS_TK_REMAINING) = -1.0;
    if (slot >= 0) {
        sim->sl_i[slot] = id;
        sim->ts_i[OP_I(sim, o, RS_OI_INDEX) * RS_TS_I_SIZE + RS_TS_BUSY] += 1;
        rs_ready_update(sim, sim->n_pools + (rs_i32)OP_I(sim, o, RS_OI_INDEX));
        rs_monitor_add(sim, sim->n_pools + (rs_i32)OP_I(sim, o, RS_OI_INDEX), 1);
    }
    if (OP_I(sim, o, RS_OI_RESOURCE) == RS_RESOURCE_POOL) {
        rs_i32 p = (rs_i32)OP_I(sim, o, RS_OI_INDEX);
        rs_i64 gang = OP_I(sim, o, RS_OI_GANG);
        rs_i64 u0 = PL_I(sim, p, RS_PI_FIRST_UNIT);
        rs_i64 n = PL_I(sim, p, RS_PI_GPUS);
        rs_i32 taken = 0;
        rs_i64 k, last = -1;
        /* The task's units, in the order taken, are linked through the unit table. */
        for (k = PS_I(sim, p, RS_PS_FIRST_FREE); k < n && taken < gang; k++) {
            if (rs_unit_free(sim, u0 + k)) {
                UN_I(sim, u0 + k, RS_UI_TASK) = id; /* no longer free: rs_units_taken */
                UN_I(sim, u0 + k, RS_UI_IDLE_VERSION) += 1;
                if (last < 0) {
                    TR_I(sim, rec, RS_TK_FIRST_UNIT) = (rs_i32)(u0 + k);
                } else {
                    UN_I(sim, last, RS_UI_NEXT_UNIT) = u0 + k;
                }
                last = u0 + k;
                taken++;
            }
        }
        PS_I(sim, p, RS_PS_FIRST_FREE) = (rs_i32)k; /* every unit before k is taken */
        rs_units_taken(sim, p, taken);
        TR_H(sim, rec, RS_TK_N_UNITS) = taken;
        if (taken > 0) {
            rs_monitor_add(sim, p, taken);
        }
    }
    rs_monitor_add(sim, sim->n_res + q, -1);
    sim->wait_n[q] += 1;
    sim->wait_hours[q] += now - TR_D(sim, rec, RS_TK_QUEUED_AT);
    sim->st_wait_n[stage] += 1;
    sim->st_wait_h[stage] += now - TR_D(sim, rec, RS_TK_QUEUED_AT);
    if (ST_I(sim, stage, RS_SI_KIND) == RS_STAGE_GPU && !TR_H(sim, rec, RS_TK_INTERRUPTED)) {
        sim->attempts[ep] += 1;
    }
    TR_H(sim, rec, RS_TK_INTERRUPTED) = 0;
    rs_trace(sim, RS_TR_START, (double)id, (double)stage, duration, (double)o);
    sim->services += 1;
    TR_I(sim, rec, RS_TK_VERSION) = (rs_i32)sim->services;
    /* The service process's timeout: now + duration, no clamp (durations are >= 0). */
    rs_at(sim, duration, RS_EV_COMPLETION, id, 0, (rs_i32)sim->services, 0);
}

RS_INLINE void rs_free_resources(rs_sim *RS_RESTRICT sim, rs_i32 id)
{
    rs_i32 rec = sim->tk_record[id];
    double now = sim->now;
    double busy = now - TR_D(sim, rec, RS_TK_START);
    rs_i32 ep = rs_task_episode(sim, id);
    rs_i32 n = TR_H(sim, rec, RS_TK_N_UNITS);
    rs_i32 slot = TR_I(sim, rec, RS_TK_SLOT);
    if (n > 0) {
        rs_i32 p = (rs_i32)OP_I(sim, TR_I(sim, rec, RS_TK_OPTION), RS_OI_INDEX);
        int cloud = rs_pool_cloud(sim, p);
        rs_i64 u = TR_I(sim, rec, RS_TK_FIRST_UNIT);
        rs_i64 u0 = PL_I(sim, p, RS_PI_FIRST_UNIT);
        rs_i32 k;
        sim->pool_busy[(rs_i64)p * sim->n_eps + ep] += busy * (double)n;
        rs_monitor_add(sim, p, -n);
        for (k = 0; k < n; k++, u = UN_I(sim, u, RS_UI_NEXT_UNIT)) {
            rs_unit_done(sim, p, u, (rs_i32)(u - u0));
            if (cloud) {
                if (sim->idle_n < sim->idle_cap) {
                    sim->idle[sim->idle_n++] = (rs_i32)u;
                } else {
                    sim->status = RS_BAD_LAYOUT;
                }
            }
        }
    }
    if (slot >= 0) {
        rs_i32 team = (rs_i32)OP_I(sim, TR_I(sim, rec, RS_TK_OPTION), RS_OI_INDEX);
        sim->team_busy[(rs_i64)team * sim->n_eps + ep] += busy;
        rs_monitor_add(sim, sim->n_pools + team, -1);
        if (sim->sl_d[slot] >= 0.0) {
            sim->team_ot[team] += now - sim->sl_d[slot];
            sim->sl_d[slot] = -1.0;
        }
        sim->sl_i[slot] = -1;
        if (slot - TM_I(sim, team, RS_TI_FIRST_SLOT)
            < sim->ts_i[(rs_i64)team * RS_TS_I_SIZE + RS_TS_ON_DUTY]) {
            sim->ts_i[(rs_i64)team * RS_TS_I_SIZE + RS_TS_BUSY] -= 1;
            rs_ready_update(sim, sim->n_pools + team);
        }
        sim->dispatch_due = 1;
    }
    TR_H(sim, rec, RS_TK_N_UNITS) = 0;
    TR_I(sim, rec, RS_TK_SLOT) = -1;
}

/* Causes of an interruption (the reference's interrupt causes), for the trace. */
#define RS_CAUSE_GPU_FAILED 1
#define RS_CAUSE_PREEMPTED 2
#define RS_CAUSE_SHIFT_ENDED 3

RS_DEVICE void rs_interrupt(rs_sim *RS_RESTRICT sim, rs_i32 id, int cause, rs_i32 where, rs_i64 index)
{
    rs_i32 rec = sim->tk_record[id];
    /* The service process is interrupted: its completion will not be posted. */
    TR_I(sim, rec, RS_TK_VERSION) = 0;
    if (TR_I(sim, rec, RS_TK_SLOT) >= 0) {
        TR_D(sim, rec, RS_TK_REMAINING) = TR_D(sim, rec, RS_TK_END) - sim->now;
    }
    rs_trace(sim, RS_TR_INTERRUPTED, (double)id, (double)cause, (double)where, (double)index);
    rs_free_resources(sim, id);
    TR_H(sim, rec, RS_TK_INTERRUPTED) = 1;
    rs_enqueue(sim, id);
}

RS_DEVICE void rs_attempt_failed(rs_sim *RS_RESTRICT sim, rs_i32 s, rs_i32 g)
{
    rs_i32 ep = (rs_i32)sim->shot_ep[s];
    sim->sh_attempt[s] += 1;
    rs_trace(sim, RS_TR_ATTEMPT_FAILED, (double)s, (double)g, (double)sim->sh_attempt[s], 0.0);
    if (sim->sh_attempt[s] < ST_I(sim, g, RS_SI_MAX_ATTEMPTS)) {
        double backoff = ST_D(sim, g, RS_SD_BACKOFF);
        if (backoff > 0.0) {
            rs_at(sim, backoff, RS_EV_BACKOFF, s, 0, 0, 0);
        } else {
            rs_enqueue_shot_task(sim, s, g, sim->sh_attempt[s]);
        }
    } else if (ST_I(sim, g, RS_SI_FALLBACK) >= 0) {
        rs_i32 fb = (rs_i32)ST_I(sim, g, RS_SI_FALLBACK);
        double frames = (double)sim->sh_frames[s];
        double expected = rs_stage_mean_hours(sim, fb, frames);
        double remaining = expected + rs_remaining_after(sim, g, frames);
        rs_new_task(sim, s, fb, g, sim->sh_pass[s], 0, expected, remaining);
        rs_enqueue(sim, s);
    } else {
        sim->sh_state[s] |= RS_STATE_FAILED;
        sim->failed[ep] += 1;
        rs_trace(sim, RS_TR_SHOT_FAILED, (double)s, (double)g, 0.0, 0.0);
        rs_shot_done(sim, s);
    }
}

RS_DEVICE int rs_rejects(rs_sim *RS_RESTRICT sim, rs_i32 s, rs_i32 g)
{
    rs_i32 round = sim->sh_rounds[(rs_i64)s * sim->n_reviews + ST_I(sim, g, RS_SI_REVIEW_SLOT)];
    rs_i64 max_rounds = ST_I(sim, g, RS_SI_MAX_ROUNDS);
    rs_i64 n_reject = ST_I(sim, g, RS_SI_N_REJECT);
    rs_u32 sub;
    double p;
    if (max_rounds >= 0 && max_rounds <= round) {
        return 0;
    }
    sub = rs_pack_sub((rs_i32)ST_I(sim, g, RS_SI_ADDRESS), sim->sh_pass[s], 0);
    if (sim->sh_flag[s] != RS_NO_FLAG) {
        p = ST_D(sim, g, RS_SD_CATCH_P);
    } else {
        p = sim->reject_p[ST_I(sim, g, RS_SI_REJECT_OFFSET)
                          + (round < n_reject - 1 ? round : n_reject - 1)];
    }
    return rs_chance(sim, RS_PURPOSE_REVIEW_VERDICT, (rs_u32)s, sub, p);
}

RS_DEVICE void rs_rework(rs_sim *RS_RESTRICT sim, rs_i32 s, rs_i32 g)
{
    rs_i32 ep = (rs_i32)sim->shot_ep[s];
    rs_i32 target = (rs_i32)ST_I(sim, g, RS_SI_REWORK_TO);
    rs_u8 *rounds;
    /* Rework to origin: the lowest flag is the earliest stage that left a live defect. */
    if (ST_I(sim, g, RS_SI_REWORK_ORIGIN) && sim->sh_flag[s] != RS_NO_FLAG) {
        target = sim->sh_flag[s];
    }
    /* A review's rejections count up to 255: where it has max_rounds (at most 255, the host
     * checks), it rejects no more once they reach it; without, they only pick the reject
     * probability of the round, of which there are at most 256. */
    rounds = sim->sh_rounds + (rs_i64)s * sim->n_reviews + ST_I(sim, g, RS_SI_REVIEW_SLOT);
    if (*rounds < 255) {
        *rounds += 1;
    }
    sim->sh_pass[s] += 1;
    sim->reworks[ep] += 1;
    if (sim->sh_flag[s] != RS_NO_FLAG) {
        sim->caught[ep] += 1;
    }
    /* Rework to S clears the flags of S and later stages: with only the lowest flag kept,
     * the shot is clean afterwards exactly when that lowest flag is at S or later. */
    if (sim->sh_flag[s] >= target) {
        sim->sh_flag[s] = RS_NO_FLAG;
    }
    sim->sh_stage[s] = target;
    sim->sh_attempt[s] = 0;
    rs_trace(sim, RS_TR_REWORK, (double)s, (double)g, (double)target, 0.0);
    rs_enter_stage(sim, s);
}

/* The trace's record of a task's end: outcome, pass and attempt packed into one value. */
RS_DEVICE void rs_trace_end(rs_sim *RS_RESTRICT sim, rs_i32 id, int outcome)
{
    rs_i32 rec = sim->tk_record[id];
    if (sim->trace != 0) {
        double packed = (double)outcome
                        + 8.0 * ((double)TR_H(sim, rec, RS_TK_ATTEMPT)
                                 + 65536.0 * (double)TR_I(sim, rec, RS_TK_PASS));
        rs_trace(sim, RS_TR_END, (double)id, (double)TR_H(sim, rec, RS_TK_STAGE), packed,
                 TR_D(sim, rec, RS_TK_START));
    }
}

RS_INLINE void rs_end_task(rs_sim *RS_RESTRICT sim, rs_i32 id)
{
    rs_i32 rec = sim->tk_record[id];
    rs_i32 stage = TR_H(sim, rec, RS_TK_STAGE);
    rs_i32 kind = (rs_i32)ST_I(sim, stage, RS_SI_KIND);
    sim->st_visits[stage] += 1;
    sim->st_visit_h[stage] += sim->now - TR_D(sim, rec, RS_TK_ARRIVAL);
    rs_free_resources(sim, id);
    if (kind == RS_STAGE_EPISODE) {
        rs_i32 ep = id - sim->n_shots;
        rs_i32 next = TR_H(sim, rec, RS_TK_ADDRESS) + 1;
        rs_trace_end(sim, id, RS_OUT_DONE);
        if (next < sim->n_est) {
            rs_enqueue_episode_stage(sim, ep, next);
        } else {
            rs_deliver(sim, ep);
        }
        return;
    }
    if (kind == RS_STAGE_GPU) {
        rs_i32 address = TR_H(sim, rec, RS_TK_ADDRESS);
        rs_u32 sub = rs_pack_sub(address, TR_I(sim, rec, RS_TK_PASS), TR_H(sim, rec, RS_TK_ATTEMPT));
        if (rs_chance(sim, RS_PURPOSE_ATTEMPT_FAILURE, (rs_u32)id, sub,
                      ST_D(sim, stage, RS_SD_FAILURE_P))) {
            rs_trace_end(sim, id, RS_OUT_FAILED);
            rs_attempt_failed(sim, id, stage);
            return;
        }
        if (rs_chance(sim, RS_PURPOSE_DEFECT, (rs_u32)id, sub, ST_D(sim, stage, RS_SD_DEFECT_P))) {
            if (address < sim->sh_flag[id]) {
                sim->sh_flag[id] = address;
            }
        }
    } else if (kind == RS_STAGE_REVIEW) {
        if (rs_rejects(sim, id, stage)) {
            rs_trace_end(sim, id, RS_OUT_REJECTED);
            rs_rework(sim, id, stage);
            return;
        }
        rs_trace_end(sim, id, RS_OUT_APPROVED);
    }
    if (kind != RS_STAGE_REVIEW) {
        rs_trace_end(sim, id, RS_OUT_DONE);
    }
    sim->sh_stage[id] += 1;
    sim->sh_attempt[id] = 0;
    rs_enter_stage(sim, id);
}

/* A task's service ends; its record goes back to the free list unless the shot or episode
 * went on at once to a task of its own id (the next stage, a retry, a fallback, rework). */
RS_INLINE void rs_complete(rs_sim *RS_RESTRICT sim, rs_i32 id)
{
    sim->ending = id;
    sim->renewed = 0;
    rs_end_task(sim, id);
    if (!sim->renewed && sim->tk_record[id] < sim->tk_cap) {
        sim->tk_free[sim->tk_free_n++] = sim->tk_record[id];
        sim->tk_record[id] = -1;
    }
    sim->ending = -1;
}

/* ---------------------------------------------------------------------------------------
 * Dispatch (simulator/engines/reference/season.py _dispatch, _try_start, _option_rank). */

RS_DEVICE void rs_option_rank(rs_sim *RS_RESTRICT sim, rs_i32 id, rs_i64 o, rs_i32 *tier, double *value)
{
    rs_i32 p;
    double frames, hours, price;
    if (OP_I(sim, o, RS_OI_RESOURCE) != RS_RESOURCE_POOL) {
        *tier = 0;
        *value = 0.0;
        return;
    }
    p = (rs_i32)OP_I(sim, o, RS_OI_INDEX);
    *tier = rs_pool_cloud(sim, p) ? 1 : 0;
    frames = id < sim->n_shots ? (double)sim->sh_frames[id] : 0.0;
    hours = rs_mean_hours(sim, o, frames);
    price = PL_D(sim, p, RS_PD_PRICE);
    if (sim->pool_rule == RS_RULE_CHEAPEST) {
        *value = price * (double)OP_I(sim, o, RS_OI_GANG) * hours;
    } else if (sim->pool_rule == RS_RULE_FASTEST) {
        *value = hours;
    } else {
        *value = 0.0;
    }
}

RS_DEVICE int rs_rank_less(rs_i32 ta, double va, rs_i32 tb, double vb)
{
    if (ta != tb) {
        return ta < tb;
    }
    return va < vb;
}

RS_INLINE int rs_try_start(rs_sim *RS_RESTRICT sim, rs_i32 id)
{
    rs_i32 stage = TK_H(sim, id, RS_TK_STAGE);
    rs_i64 o0 = ST_I(sim, stage, RS_SI_FIRST_OPTION);
    rs_i64 n = ST_I(sim, stage, RS_SI_N_OPTIONS);
    rs_i64 best = -1, o;
    rs_i32 best_tier = 0, best_slot = -1;
    double best_value = 0.0;
    for (o = o0; o < o0 + n; o++) {
        rs_i32 slot = -1, tier;
        double value;
        if (OP_I(sim, o, RS_OI_RESOURCE) != RS_RESOURCE_POOL) {
            slot = rs_free_slot(sim, (rs_i32)OP_I(sim, o, RS_OI_INDEX));
            if (slot < 0) {
                continue;
            }
        } else if (rs_count_free(sim, (rs_i32)OP_I(sim, o, RS_OI_INDEX)) < OP_I(sim, o, RS_OI_GANG)) {
            continue;
        }
        rs_option_rank(sim, id, o, &tier, &value);
        if (best < 0 || rs_rank_less(tier, value, best_tier, best_value)) {
            best = o;
            best_tier = tier;
            best_value = value;
            best_slot = slot;
        }
    }
    if (best < 0) {
        return 0;
    }
    rs_start(sim, id, best, best_slot);
    return 1;
}

/* Whether a task of stage g has an option on pool p with a gang of at most `free` units. */
RS_DEVICE int rs_fits_pool(rs_sim *RS_RESTRICT sim, rs_i32 g, rs_i32 p, rs_i32 free)
{
    rs_i64 o0 = ST_I(sim, g, RS_SI_FIRST_OPTION);
    rs_i64 n = ST_I(sim, g, RS_SI_N_OPTIONS);
    rs_i64 o;
    for (o = o0; o < o0 + n; o++) {
        if (OP_I(sim, o, RS_OI_RESOURCE) == RS_RESOURCE_POOL && OP_I(sim, o, RS_OI_INDEX) == p
            && OP_I(sim, o, RS_OI_GANG) <= free) {
            return 1;
        }
    }
    return 0;
}

RS_INLINE void rs_dispatch(rs_sim *RS_RESTRICT sim)
{
    if (!sim->dispatch_due) {
        return; /* nothing has changed since a dispatch that found nothing */
    }
    while (sim->n_waiting > 0) {
        rs_i32 best = -1;
        rs_i32 r = -1;
        for (;;) {
            if (sim->n_res > 64) { /* too many for the bits: every resource */
                r = r + 1 < sim->n_res ? r + 1 : -1;
            } else {
                rs_u64 rest = r < 0 ? sim->ready : (sim->ready >> r) >> 1;
                r = rest != 0 ? r + 1 + (rs_i32)RS_LOWEST_BIT(rest) : -1;
            }
            if (r < 0) {
                break;
            }
            if (r < sim->n_pools) {
                rs_i32 free = rs_count_free(sim, r);
                rs_i32 count = sim->wait_count[r];
                const rs_i32 *list = sim->wait_lists + sim->wait_off[r];
                rs_i32 room = rs_wait_room(sim, r);
                rs_i32 at = sim->wait_head[r];
                rs_i32 k, stage = -1, fits = 0;
                if (free == 0) {
                    continue;
                }
                for (k = 0; k < count; k++, at = at + 1 < room ? at + 1 : 0) {
                    rs_i32 id = list[at];
                    rs_i32 g;
                    if (best >= 0 && rs_task_less(sim, best, id)) {
                        break;
                    }
                    g = TK_H(sim, id, RS_TK_STAGE);
                    if (g != stage) { /* tasks of one stage fit alike */
                        stage = g;
                        fits = rs_fits_pool(sim, g, r, free);
                    }
                    if (fits) {
                        best = id;
                        break;
                    }
                }
            } else {
                const rs_i32 *state = sim->ts_i + (rs_i64)(r - sim->n_pools) * RS_TS_I_SIZE;
                if (state[RS_TS_BUSY] >= state[RS_TS_ON_DUTY]) {
                    continue; /* no free slot */
                }
                if (sim->wait_count[r] > 0) {
                    rs_i32 head = rs_waiting_at(sim, r, 0);
                    if (best < 0 || rs_task_less(sim, head, best)) {
                        best = head;
                    }
                }
            }
        }
        if (best < 0) {
            sim->dispatch_due = 0;
            return;
        }
        rs_waiting_remove(sim, best);
        if (!rs_try_start(sim, best)) {
            sim->status = RS_BAD_LAYOUT;
            return;
        }
    }
}

/* ---------------------------------------------------------------------------------------
 * Cloud provisioning, leases, spot preemption. */

RS_DEVICE void rs_advance_exposure(rs_sim *RS_RESTRICT sim, rs_i32 p)
{
    if (PL_I(sim, p, RS_PI_KIND) != RS_POOL_SPOT) {
        return;
    }
    PS_D(sim, p, RS_PS_EXPOSURE) += (double)rs_exposed(sim, p)
                                    * (sim->now - PS_D(sim, p, RS_PS_EXPOSURE_TIME));
    PS_D(sim, p, RS_PS_EXPOSURE_TIME) = sim->now;
}

RS_DEVICE double rs_preemption_gap(rs_sim *RS_RESTRICT sim, rs_i32 p, rs_i32 k)
{
    return -RS_LOG(rs_uniform(sim, RS_PURPOSE_PREEMPTION, (rs_u32)p, (rs_u32)k))
           / PL_D(sim, p, RS_PD_PREEMPTION_RATE);
}

RS_DEVICE void rs_reschedule_preemption(rs_sim *RS_RESTRICT sim, rs_i32 p)
{
    rs_i32 n;
    if (PL_I(sim, p, RS_PI_KIND) != RS_POOL_SPOT || PL_D(sim, p, RS_PD_PREEMPTION_RATE) <= 0.0) {
        return;
    }
    PS_I(sim, p, RS_PS_PREEMPT_VERSION) += 1;
    n = rs_exposed(sim, p);
    if (n == 0) {
        return;
    }
    rs_at(sim, (PS_D(sim, p, RS_PS_EXPOSURE_TARGET) - PS_D(sim, p, RS_PS_EXPOSURE)) / (double)n,
          RS_EV_PREEMPTION_NOTICE, p, 0, 0, PS_I(sim, p, RS_PS_PREEMPT_VERSION));
}

/* The reference's GpuFailures._integrate: a pool's units down and units waiting for a
 * repairer, integrated up to t. */
RS_DEVICE void rs_integrate_repairs(rs_sim *RS_RESTRICT sim, rs_i32 p, double t)
{
    double dt = t - PS_D(sim, p, RS_PS_REPAIR_SINCE);
    sim->down_hours[p] += (double)PS_I(sim, p, RS_PS_DOWN) * dt;
    sim->repair_wait_hours[p] += (double)PS_I(sim, p, RS_PS_REPAIR_WAITING) * dt;
    PS_D(sim, p, RS_PS_REPAIR_SINCE) = t;
}

RS_DEVICE void rs_arm_failure(rs_sim *RS_RESTRICT sim, rs_i32 p, rs_i64 u)
{
    rs_i64 dist = PL_I(sim, p, RS_PI_FAILURE_DIST);
    rs_i32 local = (rs_i32)(u - PL_I(sim, p, RS_PI_FIRST_UNIT));
    rs_i32 k;
    rs_stream s;
    double ttf;
    if (dist < 0) {
        return;
    }
    k = (rs_i32)UN_I(sim, u, RS_UI_FAILURES_DRAWN);
    UN_I(sim, u, RS_UI_FAILURES_DRAWN) += 1;
    rs_stream_init(&s, &sim->keys, sim->rep, RS_PURPOSE_GPU_FAILURE,
                   ((rs_u32)p << 16) | (rs_u32)local, (rs_u32)k);
    ttf = rs_draw(sim, dist, &s);
    rs_at(sim, ttf, RS_EV_FAILURE, p, local, k, (rs_i32)UN_I(sim, u, RS_UI_LIFE_VERSION));
}

RS_DEVICE void rs_close_lease(rs_sim *RS_RESTRICT sim, rs_i32 p, rs_i64 u)
{
    double cost;
    rs_advance_exposure(sim, p);
    cost = rs_billed_hours(sim, p, sim->now - UN_D(sim, u, RS_UD_LEASE_START))
           * PL_D(sim, p, RS_PD_PRICE);
    sim->pool_billed[p] += cost;
    sim->cloud_closed += cost;
    if (!(UN_I(sim, u, RS_UI_FLAGS) & RS_FLAG_READY)) {
        PS_I(sim, p, RS_PS_PROVISIONING) -= 1;
    }
    if (!(UN_I(sim, u, RS_UI_FLAGS) & RS_FLAG_UP)) { /* a unit down is down no more */
        rs_integrate_repairs(sim, p, sim->now);
        PS_I(sim, p, RS_PS_DOWN) -= 1;
    }
    rs_unit_flags(sim, u, RS_FLAG_UP);
    UN_I(sim, u, RS_UI_LIFE_VERSION) += 1;
    UN_I(sim, u, RS_UI_IDLE_VERSION) += 1;
    PS_I(sim, p, RS_PS_LEASES) -= 1;
    rs_trace(sim, RS_TR_RELEASE_UNIT, (double)p, (double)(u - PL_I(sim, p, RS_PI_FIRST_UNIT)), 0.0, 0.0);
    rs_reschedule_preemption(sim, p);
}

RS_DEVICE void rs_open_lease(rs_sim *RS_RESTRICT sim, rs_i32 p)
{
    rs_i64 u0 = PL_I(sim, p, RS_PI_FIRST_UNIT);
    rs_i64 n = PL_I(sim, p, RS_PI_GPUS);
    rs_i64 u = -1, k;
    for (k = 0; k < n; k++) {
        if (!(UN_I(sim, u0 + k, RS_UI_FLAGS) & RS_FLAG_LEASED)) {
            u = u0 + k;
            break;
        }
    }
    if (u < 0) {
        sim->status = RS_BAD_LAYOUT;
        return;
    }
    sim->lease_counter += 1;
    rs_unit_flags(sim, u, RS_FLAG_LEASED | RS_FLAG_UP);
    UN_D(sim, u, RS_UD_LEASE_START) = sim->now;
    UN_L(sim, u, RS_UL_LEASE_ORDER) = sim->lease_counter;
    PS_I(sim, p, RS_PS_LEASES) += 1;
    PS_I(sim, p, RS_PS_PROVISIONING) += 1;
    rs_trace(sim, RS_TR_PROVISION, (double)p, (double)(u - u0), 0.0, 0.0);
    rs_at(sim, PL_D(sim, p, RS_PD_PROVISIONING_DELAY), RS_EV_PROVISIONED, p, (rs_i32)(u - u0), 0,
          (rs_i32)UN_I(sim, u, RS_UI_LIFE_VERSION));
}

/* The reference's _cloud_spend: closed cloud leases plus every open cloud lease's billed
 * cost (reserved units are not leases that a cloud budget pays for), added left to right:
 * units within a pool, then pools in file order (docs/model.md "Numbers"). */
RS_DEVICE double rs_cloud_spend(rs_sim *RS_RESTRICT sim)
{
    double open_cost = 0.0;
    rs_i32 p;
    for (p = 0; p < sim->n_pools; p++) {
        rs_i64 u0 = PL_I(sim, p, RS_PI_FIRST_UNIT);
        rs_i64 n = PL_I(sim, p, RS_PI_GPUS);
        double price = PL_D(sim, p, RS_PD_PRICE);
        double pool_open = 0.0;
        rs_i64 k;
        if (PL_I(sim, p, RS_PI_KIND) == RS_POOL_RESERVED) {
            continue;
        }
        for (k = 0; k < n; k++) {
            if (UN_I(sim, u0 + k, RS_UI_FLAGS) & RS_FLAG_LEASED) {
                double length = sim->now - UN_D(sim, u0 + k, RS_UD_LEASE_START);
                pool_open += rs_billed_hours(sim, p, length) * price;
            }
        }
        open_cost += pool_open;
    }
    return sim->cloud_closed + open_cost;
}

RS_DEVICE int rs_bursts(rs_sim *RS_RESTRICT sim, rs_i32 id)
{
    double now = sim->now;
    if (now - TK_D(sim, id, RS_TK_ARRIVAL) >= sim->burst_wait) {
        return 1;
    }
    return sim->has_slack
           && rs_task_deadline(sim, id) - now - TK_D(sim, id, RS_TK_REMAINING_WORK)
                  < sim->burst_slack;
}

RS_DEVICE rs_i64 rs_best_cloud_option(rs_sim *RS_RESTRICT sim, rs_i32 id)
{
    rs_i32 stage = TK_H(sim, id, RS_TK_STAGE);
    rs_i64 o0 = ST_I(sim, stage, RS_SI_FIRST_OPTION);
    rs_i64 n = ST_I(sim, stage, RS_SI_N_OPTIONS);
    rs_i64 best = -1, o;
    rs_i32 best_tier = 0;
    double best_value = 0.0;
    for (o = o0; o < o0 + n; o++) {
        rs_i32 tier;
        double value;
        if (OP_I(sim, o, RS_OI_RESOURCE) != RS_RESOURCE_POOL
            || !rs_pool_cloud(sim, (rs_i32)OP_I(sim, o, RS_OI_INDEX))) {
            continue;
        }
        rs_option_rank(sim, id, o, &tier, &value);
        if (best < 0 || rs_rank_less(tier, value, best_tier, best_value)) {
            best = o;
            best_tier = tier;
            best_value = value;
        }
    }
    return best;
}

/* The next cloud pool after p (-1 to start), or -1 when there is none. */
RS_DEVICE rs_i32 rs_next_cloud_pool(rs_sim *RS_RESTRICT sim, rs_i32 p)
{
    if (sim->n_pools > 64) {
        for (p = p + 1; p < sim->n_pools; p++) {
            if (rs_pool_cloud(sim, p)) {
                return p;
            }
        }
        return -1;
    } else {
        rs_u64 rest = p < 0 ? sim->cloud_pools : (sim->cloud_pools >> p) >> 1;
        return rest != 0 ? p + 1 + (rs_i32)RS_LOWEST_BIT(rest) : -1;
    }
}

RS_INLINE void rs_provision(rs_sim *RS_RESTRICT sim)
{
    rs_i32 p = -1;
    while ((p = rs_next_cloud_pool(sim, p)) >= 0) {
        rs_i64 gpus, leases, free, enough, wanted, need, room, i;
        rs_i32 count, k, places, at;
        const rs_i32 *list;
        double min_cost, first_arrival, least_slack;
        gpus = PL_I(sim, p, RS_PI_GPUS);
        leases = PS_I(sim, p, RS_PS_LEASES);
        if (leases >= gpus) {
            continue;
        }
        free = rs_count_free(sim, p);
        enough = gpus - leases + PS_I(sim, p, RS_PS_PROVISIONING) + free;
        wanted = 0;
        /* No task waiting here bursts before the pool's no-burst time (lowered as tasks
         * join, raised by a walk that saw every task and none wanting this pool), so until
         * then the walk would want nothing. */
        if (sim->now < PS_D(sim, p, RS_PS_NO_BURST_BEFORE)) {
            count = 0;
        } else {
            count = sim->wait_count[p];
        }
        if (count == 0 && PL_I(sim, p, RS_PI_MIN_GPUS) <= leases) {
            continue; /* no walk, and no lease wanted: need below is at most 0 */
        }
        first_arrival = rs_infinity();
        least_slack = rs_infinity();
        list = sim->wait_lists + sim->wait_off[p];
        places = rs_wait_room(sim, p);
        at = sim->wait_head[p];
        for (k = 0; k < count; k++, at = at + 1 < places ? at + 1 : 0) {
            rs_i32 id = list[at];
            if (wanted >= enough) {
                break;
            }
            if (rs_bursts(sim, id)) {
                rs_i64 o = rs_best_cloud_option(sim, id);
                if (o >= 0 && OP_I(sim, o, RS_OI_INDEX) == p) {
                    wanted += OP_I(sim, o, RS_OI_GANG);
                }
            } else {
                double d = rs_task_deadline(sim, id) - TK_D(sim, id, RS_TK_REMAINING_WORK);
                first_arrival = TK_D(sim, id, RS_TK_ARRIVAL) < first_arrival
                                    ? TK_D(sim, id, RS_TK_ARRIVAL) : first_arrival;
                least_slack = d < least_slack ? d : least_slack;
            }
        }
        /* A task that bursts towards another pool never wants this one: its best cloud
         * option depends on nothing that changes. */
        if (count > 0 && k == count && wanted == 0) {
            PS_D(sim, p, RS_PS_NO_BURST_BEFORE) = rs_no_burst_before(sim, first_arrival,
                                                                     least_slack);
        }
        need = wanted - PS_I(sim, p, RS_PS_PROVISIONING) - free;
        if (PL_I(sim, p, RS_PI_MIN_GPUS) - leases > need) {
            need = PL_I(sim, p, RS_PI_MIN_GPUS) - leases;
        }
        room = gpus - leases;
        if (need > room) {
            need = room;
        }
        min_cost = PL_D(sim, p, RS_PD_PRICE) * PL_D(sim, p, RS_PD_BILLING_MINIMUM);
        for (i = 0; i < need; i++) {
            if (sim->has_budget && rs_cloud_spend(sim) + min_cost > sim->budget) {
                break;
            }
            rs_open_lease(sim, p);
        }
    }
}

RS_DEVICE void rs_provisioned(rs_sim *RS_RESTRICT sim, rs_i32 p, rs_i32 local, rs_i32 version)
{
    rs_i64 u = PL_I(sim, p, RS_PI_FIRST_UNIT) + local;
    if (UN_I(sim, u, RS_UI_LIFE_VERSION) != version) {
        return;
    }
    rs_advance_exposure(sim, p);
    rs_unit_flags(sim, u, UN_I(sim, u, RS_UI_FLAGS) | RS_FLAG_READY);
    PS_I(sim, p, RS_PS_PROVISIONING) -= 1;
    if (sim->idle_n < sim->idle_cap) {
        sim->idle[sim->idle_n++] = (rs_i32)u;
    } else {
        sim->status = RS_BAD_LAYOUT;
    }
    rs_arm_failure(sim, p, u);
    rs_reschedule_preemption(sim, p);
}

RS_DEVICE void rs_idle_check(rs_sim *RS_RESTRICT sim, rs_i32 p, rs_i32 local, rs_i32 version)
{
    rs_i64 u = PL_I(sim, p, RS_PI_FIRST_UNIT) + local;
    if (UN_I(sim, u, RS_UI_IDLE_VERSION) != version || !rs_unit_free(sim, u)) {
        return;
    }
    if (PS_I(sim, p, RS_PS_LEASES) <= PL_I(sim, p, RS_PI_MIN_GPUS)) {
        return;
    }
    rs_close_lease(sim, p, u);
}

RS_DEVICE void rs_preemption_notice(rs_sim *RS_RESTRICT sim, rs_i32 p, rs_i32 version)
{
    rs_i64 u0 = PL_I(sim, p, RS_PI_FIRST_UNIT);
    rs_i64 n = PL_I(sim, p, RS_PI_GPUS);
    rs_i64 batch = PL_I(sim, p, RS_PI_BATCH);
    rs_i64 taken, k;
    rs_i32 count;
    if (PS_I(sim, p, RS_PS_PREEMPT_VERSION) != version) {
        return;
    }
    rs_advance_exposure(sim, p);
    sim->preempts[p] += 1;
    count = (rs_i32)sim->preempts[p];
    PS_D(sim, p, RS_PS_EXPOSURE_TARGET) += rs_preemption_gap(sim, p, count);
    /* The most recently provisioned exposed units drain: repeatedly the largest
     * (lease order, index) among those not yet taken. */
    for (taken = 0; taken < batch; taken++) {
        rs_i64 best = -1;
        for (k = 0; k < n; k++) {
            if (!rs_flags_exposed(UN_I(sim, u0 + k, RS_UI_FLAGS))) {
                continue;
            }
            if (best < 0 || UN_L(sim, u0 + k, RS_UL_LEASE_ORDER) > UN_L(sim, best, RS_UL_LEASE_ORDER)
                || (UN_L(sim, u0 + k, RS_UL_LEASE_ORDER) == UN_L(sim, best, RS_UL_LEASE_ORDER)
                    && u0 + k > best)) {
                best = u0 + k;
            }
        }
        if (best < 0) {
            break;
        }
        rs_unit_flags(sim, best, UN_I(sim, best, RS_UI_FLAGS) | RS_FLAG_DRAINING);
        rs_trace(sim, RS_TR_DRAINING, (double)p, (double)(best - u0), 0.0, 0.0);
        UN_I(sim, best, RS_UI_TAKE_SEQ) = count;
        UN_I(sim, best, RS_UI_TAKE_LIFE) = UN_I(sim, best, RS_UI_LIFE_VERSION);
    }
    rs_trace(sim, RS_TR_PREEMPTION_NOTICE, (double)p, (double)count, 0.0, 0.0);
    rs_reschedule_preemption(sim, p);
    rs_at(sim, PL_D(sim, p, RS_PD_PREEMPTION_NOTICE), RS_EV_PREEMPTION_TAKE, p, count, 0, 0);
}

RS_DEVICE void rs_preemption_take(rs_sim *RS_RESTRICT sim, rs_i32 p, rs_i32 count)
{
    rs_i64 u0 = PL_I(sim, p, RS_PI_FIRST_UNIT);
    rs_i64 n = PL_I(sim, p, RS_PI_GPUS);
    rs_i64 k;
    for (k = 0; k < n; k++) {
        rs_i64 u = u0 + k;
        if (UN_I(sim, u, RS_UI_TAKE_SEQ) != count
            || UN_I(sim, u, RS_UI_LIFE_VERSION) != UN_I(sim, u, RS_UI_TAKE_LIFE)) {
            continue;
        }
        if (UN_I(sim, u, RS_UI_TASK) >= 0) {
            rs_interrupt(sim, (rs_i32)UN_I(sim, u, RS_UI_TASK), RS_CAUSE_PREEMPTED, p, k);
        }
        rs_close_lease(sim, p, u);
    }
}

/* ---------------------------------------------------------------------------------------
 * Failures and repairs. */

/* Post the end of the unit's repair: the hours a paused repair has left, or a draw for its
 * k-th failure. */
RS_DEVICE void rs_begin_repair(rs_sim *RS_RESTRICT sim, rs_i32 p, rs_i32 local, rs_i32 k, rs_i32 version)
{
    rs_i64 u = PL_I(sim, p, RS_PI_FIRST_UNIT) + local;
    rs_stream s;
    double repair;
    if (UN_D(sim, u, RS_UD_REPAIR_LEFT) >= 0.0) {
        repair = UN_D(sim, u, RS_UD_REPAIR_LEFT);
        UN_D(sim, u, RS_UD_REPAIR_LEFT) = -1.0;
    } else {
        rs_stream_init(&s, &sim->keys, sim->rep, RS_PURPOSE_GPU_REPAIR,
                       ((rs_u32)p << 16) | (rs_u32)local, (rs_u32)k);
        repair = rs_draw(sim, PL_I(sim, p, RS_PI_REPAIR_DIST), &s);
    }
    UN_D(sim, u, RS_UD_REPAIR_END) = sim->now + repair;
    rs_at(sim, repair, RS_EV_REPAIR, p, local, (rs_i32)UN_I(sim, u, RS_UI_REPAIR_VERSION), version);
}

/* Whether the pool has a crew (repairers around the clock, or a repair team). */
RS_DEVICE int rs_has_crew(rs_sim *RS_RESTRICT sim, rs_i32 p)
{
    return PL_I(sim, p, RS_PI_REPAIRERS) > 0 || PL_I(sim, p, RS_PI_REPAIR_TEAM) >= 0;
}

/* A free repairer of the pool's crew (the reference's _free_repairer): a repair team's
 * lowest free slot on duty (a global slot index), RS_ANY_REPAIRER for a crew around the
 * clock, or -1. A repair team does no stage's work, so its slot holds -1 or a repair. */
#define RS_ANY_REPAIRER (-2)
RS_DEVICE rs_i64 rs_free_repairer(rs_sim *RS_RESTRICT sim, rs_i32 p)
{
    rs_i64 team = PL_I(sim, p, RS_PI_REPAIR_TEAM);
    rs_i64 s0, k, on_duty;
    if (team < 0) {
        return PS_I(sim, p, RS_PS_REPAIRING) < PL_I(sim, p, RS_PI_REPAIRERS) ? RS_ANY_REPAIRER : -1;
    }
    s0 = TM_I(sim, team, RS_TI_FIRST_SLOT);
    on_duty = sim->ts_i[team * RS_TS_I_SIZE + RS_TS_ON_DUTY];
    for (k = 0; k < on_duty; k++) {
        if (sim->sl_i[s0 + k] == -1) {
            return s0 + k;
        }
    }
    return -1;
}

/* The unit's repairer is free again; a repair team's slot ends its overtime. */
RS_DEVICE void rs_release_repairer(rs_sim *RS_RESTRICT sim, rs_i64 u)
{
    rs_i32 p = (rs_i32)UN_I(sim, u, RS_UI_POOL);
    rs_i64 slot = UN_I(sim, u, RS_UI_REPAIR_SLOT);
    PS_I(sim, p, RS_PS_REPAIRING) -= 1;
    if (slot < 0) {
        return;
    }
    if (sim->sl_d[slot] >= 0.0) {
        sim->team_ot[PL_I(sim, p, RS_PI_REPAIR_TEAM)] += sim->now - sim->sl_d[slot];
        sim->sl_d[slot] = -1.0;
    }
    sim->sl_i[slot] = -1;
    UN_I(sim, u, RS_UI_REPAIR_SLOT) = -1;
    rs_monitor_add(sim, sim->n_pools + (rs_i32)PL_I(sim, p, RS_PI_REPAIR_TEAM), -1);
}

/* A repair team's person goes off duty with more than the allowed overtime of a repair left
 * (the reference's pause_repair): the repair keeps the hours left and its unit goes back to
 * the head of the repair queue. */
RS_DEVICE void rs_pause_repair(rs_sim *RS_RESTRICT sim, rs_i64 u)
{
    rs_i32 p = (rs_i32)UN_I(sim, u, RS_UI_POOL);
    rs_integrate_repairs(sim, p, sim->now);
    UN_D(sim, u, RS_UD_REPAIR_LEFT) = UN_D(sim, u, RS_UD_REPAIR_END) - sim->now;
    UN_I(sim, u, RS_UI_REPAIR_VERSION) += 1;
    rs_release_repairer(sim, u);
    UN_L(sim, u, RS_UL_REPAIR_SEQ) = --sim->repair_head;
    PS_I(sim, p, RS_PS_REPAIR_WAITING) += 1;
    sim->repairs_waiting += 1;
    rs_trace(sim, RS_TR_REPAIR_PAUSED, (double)p, (double)(u - PL_I(sim, p, RS_PI_FIRST_UNIT)), 0.0,
             0.0);
}

/* The dispatch step's repairs (the reference's GpuFailures.start_repairs): in each crew's
 * pool, free repairers take the waiting units in failure order. */
RS_DEVICE void rs_start_repairs(rs_sim *RS_RESTRICT sim)
{
    rs_i32 p;
    if (sim->repairs_waiting == 0) {
        return;
    }
    for (p = 0; p < sim->n_pools; p++) {
        rs_i64 u0 = PL_I(sim, p, RS_PI_FIRST_UNIT);
        rs_i64 n = PL_I(sim, p, RS_PI_GPUS);
        rs_i64 repairer;
        while (PS_I(sim, p, RS_PS_REPAIR_WAITING) > 0
               && (repairer = rs_free_repairer(sim, p)) != -1) {
            rs_i64 k, head = -1;
            for (k = 0; k < n; k++) {
                rs_i64 q = UN_L(sim, u0 + k, RS_UL_REPAIR_SEQ);
                if (q >= 0 && (head < 0 || q < UN_L(sim, u0 + head, RS_UL_REPAIR_SEQ))) {
                    head = k;
                }
            }
            rs_integrate_repairs(sim, p, sim->now);
            UN_L(sim, u0 + head, RS_UL_REPAIR_SEQ) = -1;
            PS_I(sim, p, RS_PS_REPAIR_WAITING) -= 1;
            sim->repairs_waiting -= 1;
            PS_I(sim, p, RS_PS_REPAIRING) += 1;
            sim->crew_repairs[p] += 1;
            if (repairer >= 0) {
                sim->sl_i[repairer] = (rs_i32)(-2 - (u0 + head));
                UN_I(sim, u0 + head, RS_UI_REPAIR_SLOT) = repairer;
                rs_monitor_add(sim, sim->n_pools + (rs_i32)PL_I(sim, p, RS_PI_REPAIR_TEAM), 1);
            }
            rs_trace(sim, RS_TR_REPAIR_STARTED, (double)p, (double)head, 0.0, 0.0);
            rs_begin_repair(sim, p, (rs_i32)head,
                            (rs_i32)UN_I(sim, u0 + head, RS_UI_FAILURES_DRAWN) - 1,
                            (rs_i32)UN_I(sim, u0 + head, RS_UI_LIFE_VERSION));
        }
    }
}

RS_DEVICE void rs_fail(rs_sim *RS_RESTRICT sim, rs_i32 p, rs_i32 local, rs_i32 k, rs_i32 version)
{
    rs_i64 u = PL_I(sim, p, RS_PI_FIRST_UNIT) + local;
    if (UN_I(sim, u, RS_UI_LIFE_VERSION) != version) {
        return;
    }
    rs_integrate_repairs(sim, p, sim->now);
    PS_I(sim, p, RS_PS_DOWN) += 1;
    rs_unit_flags(sim, u, UN_I(sim, u, RS_UI_FLAGS) & ~(rs_i64)RS_FLAG_UP);
    sim->failures[p] += 1;
    rs_trace(sim, RS_TR_GPU_FAILURE, (double)p, (double)local, 0.0, 0.0);
    if (UN_I(sim, u, RS_UI_TASK) >= 0) {
        rs_interrupt(sim, (rs_i32)UN_I(sim, u, RS_UI_TASK), RS_CAUSE_GPU_FAILED, p, local);
    }
    if (rs_has_crew(sim, p)) {
        UN_L(sim, u, RS_UL_REPAIR_SEQ) = sim->repair_seq++;
        PS_I(sim, p, RS_PS_REPAIR_WAITING) += 1;
        sim->repairs_waiting += 1;
    } else {
        rs_begin_repair(sim, p, local, k, version);
    }
}

RS_DEVICE void rs_repair(rs_sim *RS_RESTRICT sim, rs_i32 p, rs_i32 local, rs_i32 repair_version,
                         rs_i32 version)
{
    rs_i64 u = PL_I(sim, p, RS_PI_FIRST_UNIT) + local;
    if (UN_I(sim, u, RS_UI_LIFE_VERSION) != version
        || UN_I(sim, u, RS_UI_REPAIR_VERSION) != repair_version) {
        return;
    }
    rs_integrate_repairs(sim, p, sim->now);
    PS_I(sim, p, RS_PS_DOWN) -= 1;
    if (rs_has_crew(sim, p)) {
        rs_release_repairer(sim, u);
    }
    rs_unit_flags(sim, u, UN_I(sim, u, RS_UI_FLAGS) | RS_FLAG_UP);
    if (rs_pool_cloud(sim, p)) {
        if (sim->idle_n < sim->idle_cap) {
            sim->idle[sim->idle_n++] = (rs_i32)u;
        } else {
            sim->status = RS_BAD_LAYOUT;
        }
    }
    rs_trace(sim, RS_TR_REPAIR, (double)p, (double)local, 0.0, 0.0);
    rs_arm_failure(sim, p, u);
}

/* ---------------------------------------------------------------------------------------
 * Shifts. A team's head count steps are a process in the reference: step k + 1 is a
 * timeout of (t[k+1] − now) created after step k's round, so it fires at now + that. */

RS_DEVICE void rs_schedule_step(rs_sim *RS_RESTRICT sim, rs_i32 team, rs_i32 step)
{
    rs_i64 first = TM_I(sim, team, RS_TI_FIRST_STEP);
    double t;
    if (step >= TM_I(sim, team, RS_TI_N_STEPS)) {
        return;
    }
    t = sim->step_time[first + step];
    if (t >= sim->horizon) {
        return;
    }
    rs_at(sim, t > sim->now ? t - sim->now : 0.0, RS_EV_SHIFT_CHANGE, team, 0, step, 0);
}

RS_DEVICE void rs_shift_change(rs_sim *RS_RESTRICT sim, rs_i32 team, rs_i32 step)
{
    double now = sim->now;
    rs_i64 s0 = TM_I(sim, team, RS_TI_FIRST_SLOT);
    rs_i32 people = (rs_i32)sim->step_people[TM_I(sim, team, RS_TI_FIRST_STEP) + step];
    rs_i32 *on_duty = &sim->ts_i[(rs_i64)team * RS_TS_I_SIZE + RS_TS_ON_DUTY];
    rs_i32 old = *on_duty;
    rs_i32 k, busy = 0;
    *on_duty = people;
    sim->dispatch_due = 1;
    for (k = 0; k < people; k++) {
        busy += sim->sl_i[s0 + k] >= 0 ? 1 : 0;
    }
    sim->ts_i[(rs_i64)team * RS_TS_I_SIZE + RS_TS_BUSY] = busy;
    rs_ready_update(sim, sim->n_pools + team);
    rs_trace(sim, RS_TR_SHIFT_CHANGE, (double)team, (double)old, (double)people, 0.0);
    for (k = 0; k < people; k++) {
        if (sim->sl_d[s0 + k] >= 0.0) {
            sim->team_ot[team] += now - sim->sl_d[s0 + k];
            sim->sl_d[s0 + k] = -1.0;
        }
    }
    for (k = people; k < old; k++) {
        rs_i32 id = sim->sl_i[s0 + k];
        double end;
        if (id >= 0) {
            end = TK_D(sim, id, RS_TK_END);
        } else if (id <= -2) { /* a repair team's repair of unit -2 - id: the same rule */
            end = UN_D(sim, -2 - (rs_i64)id, RS_UD_REPAIR_END);
        } else {
            continue;
        }
        if (end - now > TM_D(sim, team, RS_TD_MAX_OVERTIME)) {
            if (id >= 0) {
                rs_interrupt(sim, id, RS_CAUSE_SHIFT_ENDED, team, k);
            } else {
                rs_pause_repair(sim, -2 - (rs_i64)id);
            }
        } else if (sim->sl_d[s0 + k] < 0.0) {
            sim->sl_d[s0 + k] = now;
        }
    }
}

/* ---------------------------------------------------------------------------------------
 * One replication. */

RS_INLINE void rs_handle(rs_sim *RS_RESTRICT sim, const rs_event *ev)
{
    rs_trace(sim, RS_TR_EVENT, (double)ev->cls, (double)ev->k0, (double)ev->k1, (double)ev->seq);
    sim->events += 1;
    if (ev->cls > 0 && ev->cls < RS_N_CLASSES) {
        sim->class_counts[ev->cls] += 1;
    }
    if (sim->last_class == ev->cls) {
        sim->ties[RS_TIE_SAME_CLASS] += 1;
    } else if (sim->last_class != 0 && !sim->round_mixed) {
        sim->ties[RS_TIE_MIXED_ROUND] += 1;
        sim->round_mixed = 1;
    }
    sim->last_class = ev->cls;
    switch (ev->cls) {
    case RS_EV_COMPLETION:
        rs_complete(sim, ev->k0);
        break;
    case RS_EV_FAILURE:
        rs_fail(sim, ev->k0, ev->k1, ev->a, ev->b);
        break;
    case RS_EV_REPAIR:
        rs_repair(sim, ev->k0, ev->k1, ev->a, ev->b);
        break;
    case RS_EV_PREEMPTION_NOTICE:
        rs_preemption_notice(sim, ev->k0, ev->b);
        break;
    case RS_EV_PREEMPTION_TAKE:
        rs_preemption_take(sim, ev->k0, ev->k1);
        break;
    case RS_EV_PROVISIONED:
        rs_provisioned(sim, ev->k0, ev->k1, ev->b);
        break;
    case RS_EV_BACKOFF:
        rs_enqueue_shot_task(sim, ev->k0, sim->sh_stage[ev->k0], sim->sh_attempt[ev->k0]);
        break;
    case RS_EV_RELEASE:
        if (ev->k0 < sim->n_shots) {
            rs_trace(sim, RS_TR_RELEASE_SHOT, (double)ev->k0, 0.0, 0.0, 0.0);
            rs_enter_stage(sim, ev->k0);
        } else if (ev->a == 1) {
            rs_enqueue_episode_stage(sim, ev->k0 - sim->n_shots, ev->b);
        } else {
            rs_shots_through(sim, ev->k0 - sim->n_shots);
        }
        break;
    case RS_EV_SHIFT_CHANGE:
        if (ev->k0 >= 0) {
            rs_shift_change(sim, ev->k0, ev->a);
            rs_schedule_step(sim, ev->k0, ev->a + 1);
        }
        break;
    case RS_EV_IDLE_RELEASE:
        rs_idle_check(sim, ev->k0, ev->k1, ev->b);
        break;
    default:
        sim->status = RS_BAD_LAYOUT;
        break;
    }
}

RS_DEVICE void rs_setup(rs_sim *RS_RESTRICT sim, const rs_i64 *mi, const double *md, rs_u64 *scratch,
                        double *out_d, rs_i64 *out_i, rs_u32 rep)
{
    const double *g = md + mi[RS_H_GLOBAL_D];
    rs_i32 i;
    sim->mi = mi;
    sim->md = md;
    sim->rep = rep;
    rs_philox_keys(&sim->keys, (rs_u32)mi[RS_H_SEED_LO], (rs_u32)mi[RS_H_SEED_HI]);
    sim->n_shots = (rs_i32)mi[RS_H_N_SHOTS];
    sim->n_eps = (rs_i32)mi[RS_H_N_EPISODES];
    sim->n_sst = (rs_i32)mi[RS_H_N_SHOT_STAGES];
    sim->n_fb = (rs_i32)mi[RS_H_N_FALLBACKS];
    sim->n_est = (rs_i32)mi[RS_H_N_EPISODE_STAGES];
    sim->n_pools = (rs_i32)mi[RS_H_N_POOLS];
    sim->n_teams = (rs_i32)mi[RS_H_N_TEAMS];
    sim->n_res = sim->n_pools + sim->n_teams;
    sim->n_days = (rs_i32)mi[RS_H_N_DAYS];
    sim->n_reviews = (rs_i32)mi[RS_H_N_REVIEWS];
    sim->max_gang = (rs_i32)mi[RS_H_MAX_GANG];
    sim->pool_rule = (rs_i32)mi[RS_H_POOL_RULE];
    sim->has_slack = (rs_i32)mi[RS_H_HAS_SLACK];
    sim->has_budget = (rs_i32)mi[RS_H_HAS_BUDGET];
    sim->heap_cap = mi[RS_H_HEAP_CAPACITY];
    sim->idle_cap = mi[RS_H_IDLE_CAPACITY];
    sim->tk_cap = (rs_i32)mi[RS_H_TASK_CAPACITY];
    sim->dist_table = mi[RS_H_DIST_I];

    sim->ep_i = mi + mi[RS_H_EPISODE_I];
    sim->ep_d = md + mi[RS_H_EPISODE_D];
    sim->st_i = mi + mi[RS_H_STAGE_I];
    sim->st_d = md + mi[RS_H_STAGE_D];
    sim->op_i = mi + mi[RS_H_OPTION_I];
    sim->op_d = md + mi[RS_H_OPTION_D];
    sim->pl_i = mi + mi[RS_H_POOL_I];
    sim->pl_d = md + mi[RS_H_POOL_D];
    sim->tm_i = mi + mi[RS_H_TEAM_I];
    sim->tm_d = md + mi[RS_H_TEAM_D];
    sim->shot_ep = mi + mi[RS_H_SHOT_EPISODE_I];
    sim->fixed_frames = mi + mi[RS_H_FIXED_FRAMES_I];
    sim->step_people = mi + mi[RS_H_STEP_PEOPLE_I];
    sim->wait_off = mi + mi[RS_H_WAIT_OFFSET_I];
    sim->step_time = md + mi[RS_H_STEP_TIME_D];
    sim->reject_p = md;
    sim->horizon = g[RS_G_HORIZON];
    sim->burst_wait = g[RS_G_BURST_WAIT];
    sim->burst_slack = g[RS_G_BURST_SLACK];
    sim->budget = g[RS_G_BURST_BUDGET];
    sim->has_start = (int)mi[RS_H_HAS_START];
    sim->start_now = g[RS_G_NOW];
    sim->start_shot = mi + mi[RS_H_START_SHOT_I];
    sim->start_episode = mi + mi[RS_H_START_EPISODE_I];
    sim->start_delivered = md + mi[RS_H_START_DELIVERED_D];
    /* The horizon is a moment of the season (hours from its start), whenever the run starts. */
    sim->run_end = sim->horizon;

    sim->sh_frames = (rs_i32 *)(scratch + mi[RS_H_S_SHOT_FRAMES]);
    sim->sh_release = (double *)(scratch + mi[RS_H_S_SHOT_RELEASE]);
    sim->sh_stage = (rs_u16 *)(scratch + mi[RS_H_S_SHOT_STAGE]);
    sim->sh_pass = (rs_i32 *)(scratch + mi[RS_H_S_SHOT_PASS]);
    sim->sh_attempt = (rs_u16 *)(scratch + mi[RS_H_S_SHOT_ATTEMPT]);
    sim->sh_flag = (rs_u16 *)(scratch + mi[RS_H_S_SHOT_FLAG]);
    sim->sh_state = (rs_u8 *)(scratch + mi[RS_H_S_SHOT_STATE]);
    sim->sh_rounds = (rs_u8 *)(scratch + mi[RS_H_S_SHOT_ROUNDS]);
    sim->tk_d = (double *)(scratch + mi[RS_H_S_TASK_D]);
    sim->tk_i = (rs_i32 *)(scratch + mi[RS_H_S_TASK_I]);
    sim->tk_h = (rs_u16 *)(scratch + mi[RS_H_S_TASK_H]);
    sim->tk_record = (rs_i32 *)(scratch + mi[RS_H_S_TASK_RECORD]);
    sim->tk_free = (rs_i32 *)(scratch + mi[RS_H_S_TASK_FREE]);
    sim->wait_count = (rs_i32 *)(scratch + mi[RS_H_S_WAIT_COUNT]);
    sim->wait_head = (rs_i32 *)(scratch + mi[RS_H_S_WAIT_HEAD]);
    sim->wait_lists = (rs_i32 *)(scratch + mi[RS_H_S_WAIT_LISTS]);
    sim->un_d = (double *)(scratch + mi[RS_H_S_UNIT_D]);
    sim->un_i = (rs_i32 *)(scratch + mi[RS_H_S_UNIT_I]);
    sim->un_l = (rs_i64 *)(scratch + mi[RS_H_S_UNIT_L]);
    sim->ps_d = (double *)(scratch + mi[RS_H_S_POOL_D]);
    sim->ps_i = (rs_i32 *)(scratch + mi[RS_H_S_POOL_I]);
    sim->sl_d = (double *)(scratch + mi[RS_H_S_SLOT_D]);
    sim->sl_i = (rs_i32 *)(scratch + mi[RS_H_S_SLOT_I]);
    sim->ts_i = (rs_i32 *)(scratch + mi[RS_H_S_TEAM_I]);
    sim->mon = (double *)(scratch + mi[RS_H_S_MONITOR_D]);
    sim->es_left = (rs_i32 *)(scratch + mi[RS_H_S_EPISODE_I]);
    sim->idle = (rs_i32 *)(scratch + mi[RS_H_S_IDLE]);
    sim->rel_order = (rs_i32 *)(scratch + mi[RS_H_S_RELEASE_ORDER]);
    sim->rel_ordered = sim->has_start;
    for (i = 0; i < sim->n_eps; i++) {
        if (EP_I(sim, i, RS_EI_RELEASE) == RS_RELEASE_WINDOW) {
            sim->rel_ordered = 1;
        }
    }
    sim->rel_next = (rs_i32 *)(scratch + mi[RS_H_S_RELEASE_NEXT]);
    sim->heap = (rs_entry *)(scratch + mi[RS_H_S_HEAP]);

    sim->od = out_d;
    sim->oi = out_i;
    sim->delivered = out_d + mi[RS_H_OD_DELIVERED];
    sim->pool_busy = out_d + mi[RS_H_OD_POOL_BUSY];
    sim->pool_billed = out_d + mi[RS_H_OD_POOL_BILLED];
    sim->team_busy = out_d + mi[RS_H_OD_TEAM_BUSY];
    sim->team_ot = out_d + mi[RS_H_OD_TEAM_OVERTIME];
    sim->wait_hours = out_d + mi[RS_H_OD_WAIT_HOURS];
    sim->queue_area = out_d + mi[RS_H_OD_QUEUE_AREA];
    sim->busy_bins = out_d + mi[RS_H_OD_BUSY_BINS];
    sim->queue_bins = out_d + mi[RS_H_OD_QUEUE_BINS];
    sim->escaped = out_i + mi[RS_H_OI_ESCAPED];
    sim->failed = out_i + mi[RS_H_OI_FAILED];
    sim->reworks = out_i + mi[RS_H_OI_REWORKS];
    sim->caught = out_i + mi[RS_H_OI_CAUGHT];
    sim->attempts = out_i + mi[RS_H_OI_ATTEMPTS];
    sim->frames = out_i + mi[RS_H_OI_FRAMES];
    sim->wait_n = out_i + mi[RS_H_OI_WAIT_COUNT];
    sim->preempts = out_i + mi[RS_H_OI_PREEMPTIONS];
    sim->failures = out_i + mi[RS_H_OI_FAILURES];
    sim->class_counts = out_i + mi[RS_H_OI_CLASS_COUNTS];
    sim->ties = out_i + mi[RS_H_OI_TIES];
    sim->st_wait_h = out_d + mi[RS_H_OD_STAGE_WAIT_HOURS];
    sim->st_visit_h = out_d + mi[RS_H_OD_STAGE_VISIT_HOURS];
    sim->st_queued_h = out_d + mi[RS_H_OD_STAGE_QUEUED_HOURS];
    sim->st_wait_n = out_i + mi[RS_H_OI_STAGE_WAIT_COUNT];
    sim->st_visits = out_i + mi[RS_H_OI_STAGE_VISITS];
    sim->st_queued = out_i + mi[RS_H_OI_STAGE_QUEUED];
    sim->down_hours = out_d + mi[RS_H_OD_DOWN_HOURS];
    sim->repair_wait_hours = out_d + mi[RS_H_OD_REPAIR_WAIT_HOURS];
    sim->crew_repairs = out_i + mi[RS_H_OI_CREW_REPAIRS];
    sim->repair_seq = (rs_i64)1 << 40;
    sim->repair_head = (rs_i64)1 << 40;
    sim->repairs_waiting = 0;
    sim->last_class = 0;
    sim->round_mixed = 0;
    sim->last_round_t = -1.0;
    sim->bin_day = 0.0;
    sim->bin_start = 0.0;
    sim->bin_end = 0.0;

    sim->now = sim->start_now;
    sim->round = 0;
    sim->in_round = 0;
    sim->seq = 0;
    sim->services = 0;
    sim->heap_n = 0;
    sim->far_n = 0;
    sim->near_end = sim->start_now;
    sim->idle_n = 0;
    sim->events = 0;
    sim->lease_counter = 0;
    sim->cloud_closed = 0.0;
    sim->n_waiting = 0;
    sim->dispatch_due = 1;
    sim->ready = 0;
    sim->n_delivered = 0;
    sim->finished = 0;
    sim->closing = 0;
    sim->status = RS_OK;
    sim->flow_n = 0;
    sim->flow_h = 0.0;
}

RS_DEVICE void rs_reset(rs_sim *RS_RESTRICT sim)
{
    const rs_i64 *mi = sim->mi;
    rs_i64 i, n;
    rs_i32 p, t;
    rs_i64 n_tasks = (rs_i64)sim->n_shots + sim->n_eps;
    n = mi[RS_H_OUT_D_WORDS];
    for (i = 0; i < n; i++) {
        sim->od[i] = 0.0;
    }
    n = mi[RS_H_OUT_I_WORDS];
    for (i = 0; i < n; i++) {
        sim->oi[i] = 0;
    }
    for (i = 0; i < sim->n_eps; i++) {
        sim->delivered[i] = rs_nan();
        sim->es_left[i] = (rs_i32)EP_I(sim, i, RS_EI_N_SHOTS);
    }
    for (i = 0; i < sim->n_shots; i++) {
        sim->sh_stage[i] = 0;
        sim->sh_pass[i] = 0;
        sim->sh_attempt[i] = 0;
        sim->sh_flag[i] = RS_NO_FLAG;
        sim->sh_state[i] = 0;
    }
    n = (rs_i64)sim->n_shots * sim->n_reviews;
    for (i = 0; i < n; i++) {
        sim->sh_rounds[i] = 0;
    }
    for (i = 0; i < n_tasks; i++) {
        sim->tk_record[i] = -1;
    }
    for (i = 0; i < sim->tk_cap; i++) {
        sim->tk_free[i] = sim->tk_cap - 1 - (rs_i32)i;
    }
    sim->tk_free_n = sim->tk_cap;
    sim->ending = -1;
    sim->renewed = 0;
    for (i = 0; i < sim->n_res; i++) {
        sim->wait_count[i] = 0;
        sim->wait_head[i] = 0;
    }
    n = mi[RS_H_N_UNITS];
    for (i = 0; i < n; i++) {
        UN_D(sim, i, RS_UD_LEASE_START) = 0.0;
        UN_I(sim, i, RS_UI_FLAGS) = RS_FLAG_UP;
        UN_I(sim, i, RS_UI_TASK) = -1;
        UN_L(sim, i, RS_UL_LEASE_ORDER) = 0;
        UN_I(sim, i, RS_UI_IDLE_VERSION) = 0;
        UN_I(sim, i, RS_UI_LIFE_VERSION) = 0;
        UN_I(sim, i, RS_UI_FAILURES_DRAWN) = 0;
        UN_I(sim, i, RS_UI_TAKE_SEQ) = -1;
        UN_I(sim, i, RS_UI_TAKE_LIFE) = -1;
        UN_L(sim, i, RS_UL_REPAIR_SEQ) = -1;
        UN_I(sim, i, RS_UI_REPAIR_VERSION) = 0;
        UN_I(sim, i, RS_UI_REPAIR_SLOT) = -1;
        UN_D(sim, i, RS_UD_REPAIR_LEFT) = -1.0;
        UN_D(sim, i, RS_UD_REPAIR_END) = 0.0;
    }
    for (p = 0; p < sim->n_pools; p++) {
        rs_i64 u0 = PL_I(sim, p, RS_PI_FIRST_UNIT);
        rs_i64 k;
        for (k = 0; k < PL_I(sim, p, RS_PI_GPUS); k++) {
            UN_I(sim, u0 + k, RS_UI_POOL) = p;
        }
    }
    for (p = 0; p < sim->n_pools; p++) {
        PS_D(sim, p, RS_PS_EXPOSURE) = 0.0;
        PS_D(sim, p, RS_PS_EXPOSURE_TIME) = 0.0;
        PS_D(sim, p, RS_PS_EXPOSURE_TARGET) = 0.0;
        PS_I(sim, p, RS_PS_PROVISIONING) = 0;
        PS_I(sim, p, RS_PS_LEASES) = 0;
        PS_I(sim, p, RS_PS_PREEMPT_VERSION) = 0;
        PS_I(sim, p, RS_PS_FREE) = 0;
        PS_D(sim, p, RS_PS_REPAIR_SINCE) = 0.0;
        PS_I(sim, p, RS_PS_DOWN) = 0;
        PS_I(sim, p, RS_PS_REPAIR_WAITING) = 0;
        PS_I(sim, p, RS_PS_REPAIRING) = 0;
        PS_I(sim, p, RS_PS_FIRST_FREE) = 0;
        PS_I(sim, p, RS_PS_EXPOSED) = 0;
        PS_D(sim, p, RS_PS_NO_BURST_BEFORE) = rs_infinity();
    }
    n = mi[RS_H_N_SLOTS];
    for (i = 0; i < n; i++) {
        sim->sl_i[i] = -1;
        sim->sl_d[i] = -1.0;
    }
    for (t = 0; t < sim->n_teams; t++) {
        sim->ts_i[(rs_i64)t * RS_TS_I_SIZE + RS_TS_ON_DUTY] = 0;
        sim->ts_i[(rs_i64)t * RS_TS_I_SIZE + RS_TS_BUSY] = 0;
    }
    n = 2 * (rs_i64)sim->n_res;
    for (i = 0; i < n; i++) {
        MON(sim, i, RS_MON_LEVEL) = 0.0;
        MON(sim, i, RS_MON_SINCE) = 0.0;
        MON(sim, i, RS_MON_AREA) = 0.0;
    }
}

/* Whether shot a's release comes before shot b's in the heap's order: time, then shot. */
RS_DEVICE int rs_release_less(rs_sim *RS_RESTRICT sim, rs_i32 a, rs_i32 b)
{
    double ta = rs_release_time(sim, a), tb = rs_release_time(sim, b);
    if (ta != tb) {
        return ta < tb;
    }
    return a < b;
}

RS_DEVICE void rs_sift_releases(rs_sim *RS_RESTRICT sim, rs_i32 *v, rs_i32 i, rs_i32 n)
{
    rs_i32 x = v[i];
    for (;;) {
        rs_i32 child = 2 * i + 1;
        if (child >= n) {
            break;
        }
        if (child + 1 < n && rs_release_less(sim, v[child], v[child + 1])) {
            child += 1;
        }
        if (!rs_release_less(sim, x, v[child])) {
            break;
        }
        v[i] = v[child];
        i = child;
    }
    v[i] = x;
}

/* An episode's shots in release order: already in order for all-at-once and Poisson
 * releases (a check), sorted in place (heapsort) for a window. */
RS_DEVICE void rs_sort_releases(rs_sim *RS_RESTRICT sim, rs_i32 *v, rs_i32 n)
{
    rs_i32 k;
    for (k = 1; k < n; k++) {
        if (rs_release_less(sim, v[k], v[k - 1])) {
            break;
        }
    }
    if (k >= n) {
        return;
    }
    for (k = n / 2 - 1; k >= 0; k--) {
        rs_sift_releases(sim, v, k, n);
    }
    for (k = n - 1; k > 0; k--) {
        rs_i32 x = v[0];
        v[0] = v[k];
        v[k] = x;
        rs_sift_releases(sim, v, 0, k);
    }
}

/* The reference's _schedule_releases and run(): create every shot, put the season where
 * its starting state says (if any) and schedule the set-up events, all from now on. */
RS_DEVICE void rs_start_season(rs_sim *RS_RESTRICT sim)
{
    double now = sim->now;
    rs_i32 e, p, t;
    for (e = 0; e < sim->n_eps; e++) {
        double lock = EP_D(sim, e, RS_ED_LOCK);
        double clock = lock;
        rs_i64 first = EP_I(sim, e, RS_EI_FIRST_SHOT);
        rs_i64 n = EP_I(sim, e, RS_EI_N_SHOTS);
        rs_i64 fixed = EP_I(sim, e, RS_EI_FIXED_OFFSET);
        rs_i64 pattern = EP_I(sim, e, RS_EI_RELEASE);
        rs_i64 k;
        rs_i32 queued = 0;
        for (k = 0; k < n; k++) {
            rs_i32 sid = (rs_i32)(first + k);
            const rs_i64 *start = sim->start_shot + (rs_i64)sid * RS_SS_SIZE;
            rs_i64 status = sim->has_start ? start[RS_SS_STATUS] : RS_SHOT_NOT_STARTED;
            rs_i64 frames;
            double release;
            if (sim->has_start && start[RS_SS_FRAMES] != 0) {
                frames = start[RS_SS_FRAMES];
            } else if (fixed >= 0) {
                frames = sim->fixed_frames[fixed + k];
            } else {
                rs_stream s;
                double x, f;
                rs_stream_init(&s, &sim->keys, sim->rep, RS_PURPOSE_FRAMES, (rs_u32)sid,
                               0);
                x = rs_draw(sim, EP_I(sim, e, RS_EI_FRAMES_DIST), &s);
                f = RS_FLOOR(x + 0.5);
                frames = f < 1.0 ? 1 : (rs_i64)f;
            }
            if (pattern == RS_RELEASE_WINDOW) {
                release = lock + rs_uniform(sim, RS_PURPOSE_RELEASE, (rs_u32)sid, 0)
                                     * EP_D(sim, e, RS_ED_WINDOW);
            } else if (pattern == RS_RELEASE_POISSON) {
                clock += -RS_LOG(rs_uniform(sim, RS_PURPOSE_RELEASE, (rs_u32)sid, 0))
                         / EP_D(sim, e, RS_ED_SHOTS_PER_HOUR);
                release = clock;
            } else {
                release = lock;
            }
            sim->sh_frames[sid] = (rs_i32)frames;
            if (pattern != RS_RELEASE_ALL_AT_ONCE) {
                sim->sh_release[sid] = release;
            }
            sim->frames[e] += frames;
            if (status == RS_SHOT_NOT_STARTED || status == RS_SHOT_AT_STAGE) {
                /* posted now, into the episode's stream */
                sim->seq++;
                if (sim->rel_ordered) {
                    sim->rel_order[first + queued] = sid;
                }
                queued++;
            }
            if (status == RS_SHOT_AT_STAGE) {
                sim->sh_stage[sid] = (rs_u16)start[RS_SS_STAGE];
                sim->sh_pass[sid] = (rs_i32)start[RS_SS_PASSES];
                sim->sh_attempt[sid] = (rs_u16)start[RS_SS_ATTEMPT];
                sim->sh_state[sid] |= RS_STATE_RESUMED;
            } else if (status != RS_SHOT_NOT_STARTED) {
                /* through or failed before now: done with the pipeline */
                sim->sh_state[sid] |=
                    status == RS_SHOT_THROUGH ? RS_STATE_THROUGH : RS_STATE_FAILED;
                sim->es_left[e] -= 1;
            }
        }
        if (sim->rel_ordered) {
            rs_sort_releases(sim, sim->rel_order + first, queued);
        }
        sim->rel_next[2 * e] = (rs_i32)first;
        sim->rel_next[2 * e + 1] = (rs_i32)first + queued;
        rs_push_release(sim, e);
    }
    for (e = 0; e < sim->n_eps; e++) {
        const rs_i64 *start = sim->start_episode + (rs_i64)e * RS_SE_SIZE;
        rs_i64 status = sim->has_start ? start[RS_SE_STATUS] : RS_EPISODE_OPEN;
        if (status == RS_EPISODE_DELIVERED) {
            sim->delivered[e] = sim->start_delivered[e];
            sim->n_delivered += 1;
        } else if (status == RS_EPISODE_AT_STAGE) {
            /* a = 1: the episode resumes at episode stage b */
            rs_at(sim, 0.0, RS_EV_RELEASE, sim->n_shots + e, 0, 1, (rs_i32)start[RS_SE_STAGE]);
        } else if (sim->es_left[e] == 0) { /* no shots, or all of them done before now */
            rs_at(sim, EP_D(sim, e, RS_ED_LOCK) - now, RS_EV_RELEASE, sim->n_shots + e, 0, 0, 0);
        }
    }
    /* Every episode delivered already (or none at all): the run ends before any round. */
    if (sim->n_delivered == sim->n_eps) {
        sim->finished = 1;
    }
    for (t = 0; t < sim->n_teams; t++) {
        /* Starting mid-season: the head count in force now, then the changes after it. */
        rs_i64 first = TM_I(sim, t, RS_TI_FIRST_STEP);
        rs_i32 k, from = 0;
        for (k = 1; k < TM_I(sim, t, RS_TI_N_STEPS); k++) {
            if (sim->step_time[first + k] <= now) {
                from = k;
            }
        }
        rs_schedule_step(sim, t, from);
    }
    for (p = 0; p < sim->n_pools; p++) {
        rs_i64 u0 = PL_I(sim, p, RS_PI_FIRST_UNIT);
        rs_i64 n = PL_I(sim, p, RS_PI_GPUS);
        rs_i64 k;
        if (PL_I(sim, p, RS_PI_KIND) == RS_POOL_RESERVED) {
            for (k = 0; k < n; k++) {
                rs_unit_flags(sim, u0 + k, RS_FLAG_LEASED | RS_FLAG_READY | RS_FLAG_UP);
                rs_arm_failure(sim, p, u0 + k);
            }
        }
        if (PL_I(sim, p, RS_PI_KIND) == RS_POOL_SPOT && PL_D(sim, p, RS_PD_PREEMPTION_RATE) > 0.0) {
            PS_D(sim, p, RS_PS_EXPOSURE_TARGET) = rs_preemption_gap(sim, p, 0);
        }
    }
    /* A round at t = 0 even in a season with nothing due then. */
    rs_at(sim, 0.0, RS_EV_SHIFT_CHANGE, -1, 0, 0, 0);
}

/* A completion whose service was interrupted: SimPy removed the service process's
 * callback, so its timeout posts nothing, and a round holding only such events never
 * happens at all. */
RS_DEVICE int rs_voided(rs_sim *RS_RESTRICT sim, const rs_entry *e)
{
    rs_i32 rec;
    if (rs_entry_class(e) != RS_EV_COMPLETION) {
        return 0;
    }
    rec = sim->tk_record[rs_entry_k0(e)];
    return rec < 0 || e->a != TR_I(sim, rec, RS_TK_VERSION);
}

RS_DEVICE int rs_round_event(rs_sim *RS_RESTRICT sim, double t)
{
    return sim->heap_n > 0 && sim->heap[0].when == rs_time_bits(t)
           && rs_entry_gen(&sim->heap[0]) <= sim->round;
}

RS_INLINE void rs_end_of_round(rs_sim *RS_RESTRICT sim, double t)
{
    rs_i64 i;
    rs_start_repairs(sim);
    rs_dispatch(sim);
    rs_provision(sim);
    while (rs_round_event(sim, t)) {
        rs_event ev = rs_pop(sim);
        rs_handle(sim, &ev);
    }
    for (i = 0; i < sim->idle_n; i++) {
        rs_i32 u = sim->idle[i];
        if (rs_unit_free(sim, u)) {
            rs_i32 p = (rs_i32)UN_I(sim, u, RS_UI_POOL);
            UN_I(sim, u, RS_UI_IDLE_VERSION) += 1;
            rs_at(sim, PL_D(sim, p, RS_PD_IDLE_TIMEOUT), RS_EV_IDLE_RELEASE, p,
                  (rs_i32)(u - PL_I(sim, p, RS_PI_FIRST_UNIT)), 0,
                  (rs_i32)UN_I(sim, u, RS_UI_IDLE_VERSION));
        }
    }
    sim->idle_n = 0;
}

/* Close open leases and overtime at the end of the run (the reference's Season.close),
 * then integrate the monitors to the end. */
RS_DEVICE void rs_close(rs_sim *RS_RESTRICT sim, double end)
{
    rs_i32 p, t, m;
    sim->now = end;
    sim->closing = 1;
    /* Work still in service (a run cut off at the horizon): its busy time so far, booked
     * per unit and per person as the reference books it. */
    for (p = 0; p < sim->n_pools; p++) {
        rs_i64 u0 = PL_I(sim, p, RS_PI_FIRST_UNIT);
        rs_i64 n = PL_I(sim, p, RS_PI_GPUS);
        rs_i64 k;
        for (k = 0; k < n; k++) {
            rs_i64 id = UN_I(sim, u0 + k, RS_UI_TASK);
            if (id >= 0) {
                sim->pool_busy[(rs_i64)p * sim->n_eps + rs_task_episode(sim, (rs_i32)id)] +=
                    end - TK_D(sim, id, RS_TK_START);
            }
        }
    }
    for (t = 0; t < sim->n_teams; t++) {
        rs_i64 s0 = TM_I(sim, t, RS_TI_FIRST_SLOT);
        rs_i64 n = TM_I(sim, t, RS_TI_MAX_PEOPLE);
        rs_i64 k;
        for (k = 0; k < n; k++) {
            rs_i32 id = sim->sl_i[s0 + k];
            if (id >= 0) {
                sim->team_busy[(rs_i64)t * sim->n_eps + rs_task_episode(sim, id)] +=
                    end - TK_D(sim, id, RS_TK_START);
            }
        }
    }
    for (p = 0; p < sim->n_pools; p++) {
        rs_i64 u0 = PL_I(sim, p, RS_PI_FIRST_UNIT);
        rs_i64 n = PL_I(sim, p, RS_PI_GPUS);
        rs_i64 k;
        if (!rs_pool_cloud(sim, p)) {
            continue;
        }
        for (k = 0; k < n; k++) {
            if (UN_I(sim, u0 + k, RS_UI_FLAGS) & RS_FLAG_LEASED) {
                rs_close_lease(sim, p, u0 + k);
            }
        }
    }
    for (t = 0; t < sim->n_teams; t++) {
        rs_i64 s0 = TM_I(sim, t, RS_TI_FIRST_SLOT);
        rs_i64 n = TM_I(sim, t, RS_TI_MAX_PEOPLE);
        rs_i64 k;
        for (k = 0; k < n; k++) {
            if (sim->sl_d[s0 + k] >= 0.0) {
                sim->team_ot[t] += end - sim->sl_d[s0 + k];
                sim->sl_d[s0 + k] = -1.0;
            }
        }
    }
    for (p = 0; p < sim->n_pools; p++) {
        rs_integrate_repairs(sim, p, end);
    }
    for (m = 0; m < 2 * sim->n_res; m++) {
        rs_integrate(sim, m, end);
    }
    for (m = 0; m < sim->n_res; m++) {
        sim->queue_area[m] = MON(sim, sim->n_res + m, RS_MON_AREA);
    }
}

/* The tasks still queued when the run ends, per stage, with the hours they had waited:
 * resource by resource (pools, then teams), each list in dispatch order, each task at the
 * list of its first option (the reference's order of the same sums). */
RS_DEVICE void rs_count_queued(rs_sim *RS_RESTRICT sim, double end)
{
    rs_i32 r, k;
    for (r = 0; r < sim->n_res; r++) {
        for (k = 0; k < sim->wait_count[r]; k++) {
            rs_i32 id = rs_waiting_at(sim, r, k);
            rs_i32 stage = TK_H(sim, id, RS_TK_STAGE);
            if (rs_queue_resource(sim, stage) == r) {
                sim->st_queued[stage] += 1;
                sim->st_queued_h[stage] += end - TK_D(sim, id, RS_TK_QUEUED_AT);
            }
        }
    }
}

RS_DEVICE int rs_run_replication(const rs_i64 *mi, const double *md, rs_u64 *scratch,
                                 double *out_d, rs_i64 *out_i, rs_u32 rep, double *trace,
                                 rs_i64 trace_cap, rs_i64 *trace_count)
{
    rs_sim sim;
    double end;
    rs_i32 p;
    if (mi[RS_H_VERSION] != RS_LAYOUT_VERSION) {
        out_i[mi[RS_H_OI_STATUS]] = RS_BAD_LAYOUT;
        return RS_BAD_LAYOUT;
    }
    rs_setup(&sim, mi, md, scratch, out_d, out_i, rep);
    sim.trace = trace;
    sim.trace_cap = trace_cap;
    sim.trace_n = 0;
    rs_reset(&sim);
    sim.cloud_pools = 0;
    for (p = 0; p < sim.n_pools && p < 64; p++) {
        sim.cloud_pools |= rs_pool_cloud(&sim, p) ? (rs_u64)1 << p : 0;
    }
    rs_start_season(&sim);
    end = sim.finished ? sim.now : sim.run_end;
    while (sim.status == RS_OK && !sim.finished) {
        double t;
        for (;;) {
            if (sim.heap_n == 0 && sim.far_n > 0) {
                rs_refill(&sim);
            }
            if (!(sim.heap_n > 0 && rs_voided(&sim, &sim.heap[0]))) {
                break;
            }
            rs_pop(&sim);
        }
        if (sim.heap_n == 0) {
            break;
        }
        t = rs_entry_time(&sim.heap[0]);
        /* The reference stops at the horizon before that instant's round runs (the horizon
         * timeout ends the run ahead of the round, which SimPy schedules after every
         * ordinary event of the instant): events due then are neither run nor counted. */
        if (!(t < sim.run_end)) {
            break;
        }
        if (t == sim.last_round_t) {
            sim.ties[RS_TIE_SAME_INSTANT] += 1;
        }
        sim.last_round_t = t;
        sim.last_class = 0;
        sim.round_mixed = 0;
        sim.now = t;
        sim.round += 1;
        sim.in_round = 1;
        while (rs_round_event(&sim, t) && rs_entry_class(&sim.heap[0]) != RS_EV_IDLE_RELEASE) {
            rs_event ev;
            if (rs_voided(&sim, &sim.heap[0])) {
                rs_pop(&sim);
                continue;
            }
            ev = rs_pop(&sim);
            rs_handle(&sim, &ev);
        }
        rs_end_of_round(&sim, t);
        sim.in_round = 0;
        /* The last delivery ends the run after the rest of its round (dispatch, provisioning,
         * idle releases) and before any later round, even one at the same instant. */
        if (sim.finished) {
            end = t;
            break;
        }
    }
    rs_close(&sim, end);
    rs_count_queued(&sim, end);
    out_d[mi[RS_H_OD_END]] = end;
    out_d[mi[RS_H_OD_FLOW_HOURS]] = sim.flow_h;
    out_i[mi[RS_H_OI_FLOW_COUNT]] = sim.flow_n;
    out_i[mi[RS_H_OI_EVENTS]] = sim.events;
    out_i[mi[RS_H_OI_STATUS]] = sim.status;
    if (trace_count != 0) {
        *trace_count = sim.trace_n;
    }
    return sim.status;
}

#ifdef RS_CUDA
/* One thread per replication; scratch_words and the output sizes from the header. */
RS_GLOBAL void rs_kernel(const rs_i64 *mi, const double *md, rs_u64 *scratch, double *out_d,
                         rs_i64 *out_i, const rs_i64 *reps, rs_i64 n)
{
    rs_i64 i = (rs_i64)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) {
        return;
    }
    rs_run_replication(mi, md, scratch + i * mi[RS_H_SCRATCH_WORDS],
                       out_d + i * mi[RS_H_OUT_D_WORDS], out_i + i * mi[RS_H_OUT_I_WORDS],
                       (rs_u32)reps[i], 0, 0, 0);
}
#endif
