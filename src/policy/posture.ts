// The compliance posture: every path by which PHI can be stored on the box
// or leave it, its state for the practice and each user, the risk in plain
// words and what to do. The advice mirrors what phone vendors' HIPAA guides
// tell practices (switch email attachments and transcripts off, keep texting
// off unless patients consented, record calls only with notice).
import { decideForUser, decidePractice, safeDefaultPolicy, type Decision } from './decide.ts';
import type { PracticePolicy, VoicemailSettings } from './practice-policy.ts';
import type { Feature, Tier } from './tiers.ts';

export type PostureLevel = 'ok' | 'attention' | 'risk';

export interface PostureUser {
  userId: string;
  settings: VoicemailSettings;
}

export interface PostureItem {
  feature: Feature;
  title: string;
  stores: boolean;
  sendsOffBox: boolean;
  practice: Decision;
  users: Array<{ userId: string } & Decision>;
  level: PostureLevel;
  risk: string;
  action: string;
  safeDefault: boolean;
}

interface Advice {
  title: string;
  stores: boolean;
  sendsOffBox: boolean;
  risk: string;
  ifOn: string;
  ifOff: string;
  /** How serious it is when on: 'risk' when PHI leaves the box. */
  onLevel: PostureLevel;
}

const ADVICE: Partial<Record<Feature, Advice>> = {
  voicemail: {
    title: 'Voicemail',
    stores: true,
    sendsOffBox: false,
    risk: 'Callers may leave medical details in a message. Messages are sealed (AES-256-GCM) on this server and every play is audited.',
    ifOn: 'Keep the default greeting, which asks callers not to leave medical details. Set a retention period.',
    ifOff: 'Voicemail cannot be switched off.',
    onLevel: 'ok',
  },
  voicemail_email_notice: {
    title: 'Voicemail email notices',
    stores: false,
    sendsOffBox: true,
    risk: 'The notice itself carries no caller number, name, transcript or audio: only that a message is waiting, with a link to the portal.',
    ifOn: 'Nothing to do while attachments and transcripts stay off.',
    ifOff: 'Staff must check the portal or the phone for new messages.',
    onLevel: 'ok',
  },
  voicemail_email_audio: {
    title: 'Voicemail audio attached to email',
    stores: false,
    sendsOffBox: true,
    risk: 'The recording leaves the server and lives on in mailboxes, phones and backups outside your control. Email is not an encrypted, access-controlled store.',
    ifOn: 'Turn attachments off unless every recipient mailbox is covered by a business associate agreement and encrypted end to end.',
    ifOff: 'Safe: the audio stays on the server.',
    onLevel: 'risk',
  },
  voicemail_email_transcript: {
    title: 'Voicemail transcript in email',
    stores: false,
    sendsOffBox: true,
    risk: 'The transcript of a message is PHI in plain text inside an email.',
    ifOn: 'Turn it off unless the mail system is covered by a business associate agreement.',
    ifOff: 'Safe: transcripts are read in the portal.',
    onLevel: 'risk',
  },
  voicemail_transcription: {
    title: 'Voicemail transcription',
    stores: true,
    sendsOffBox: false,
    risk: 'Transcripts are produced on this server (no cloud speech service) and sealed like the audio. They are machine drafts and can be wrong.',
    ifOn: 'Treat transcripts as drafts; confirm names, numbers and medications by listening.',
    ifOff: 'Messages are only available as audio.',
    onLevel: 'ok',
  },
  virtual_fax: {
    title: 'Virtual fax',
    stores: true,
    sendsOffBox: true,
    risk: 'Faxes carry referrals, results and records. Received faxes are sealed on this server; sent faxes travel over the carrier network.',
    ifOn: 'Check the fax number on every outgoing fax; keep a retention period.',
    ifOff: 'Faxes must be handled on a physical machine.',
    onLevel: 'attention',
  },
  texting: {
    title: 'Business texting (SMS)',
    stores: true,
    sendsOffBox: true,
    risk: 'SMS is not encrypted between carriers and patients. Messages stay on phones indefinitely.',
    ifOn: 'Only text patients who consented in writing, never send clinical details, and set a short retention.',
    ifOff: 'Safe default.',
    onLevel: 'risk',
  },
  call_recording: {
    title: 'Call recording',
    stores: true,
    sendsOffBox: false,
    risk: 'Recordings capture everything said on a call. Many states require every party to consent.',
    ifOn: 'Announce recording to callers, restrict who may listen, set a retention period.',
    ifOff: 'Safe default.',
    onLevel: 'attention',
  },
  video_meetings: {
    title: 'Video meetings',
    stores: false,
    sendsOffBox: true,
    risk: 'Meetings carry live PHI between participants; nothing is stored unless meeting recording is on.',
    ifOn: 'Use waiting rooms and per-meeting links for telehealth visits.',
    ifOff: 'No video visits.',
    onLevel: 'ok',
  },
  meeting_recording: {
    title: 'Video meeting recording',
    stores: true,
    sendsOffBox: false,
    risk: 'Recordings of visits are clinical records: they need consent, access control and retention.',
    ifOn: 'Obtain consent before recording and limit access to the treating provider.',
    ifOff: 'Safe default.',
    onLevel: 'attention',
  },
};

export function postureFeatures(): Feature[] {
  return Object.keys(ADVICE) as Feature[];
}

export function compliancePosture(tier: Tier, policy: PracticePolicy, users: PostureUser[]): PostureItem[] {
  const practice = decidePractice(tier, policy);
  const perUser = users.map((u) => ({ userId: u.userId, decisions: decideForUser(tier, policy, u.settings) }));
  const safe = decidePractice(tier, safeDefaultPolicy(tier));
  return postureFeatures().map((feature) => {
    const advice = ADVICE[feature]!;
    const userStates = perUser.map((u) => ({ userId: u.userId, ...u.decisions[feature] }));
    const anyOn = practice[feature].enabled && (userStates.length === 0 || userStates.some((u) => u.enabled) || !isPerUser(feature));
    return {
      feature,
      title: advice.title,
      stores: advice.stores,
      sendsOffBox: advice.sendsOffBox,
      practice: practice[feature],
      users: isPerUser(feature) ? userStates : [],
      level: anyOn ? advice.onLevel : 'ok',
      risk: advice.risk,
      action: anyOn ? advice.ifOn : advice.ifOff,
      safeDefault: safe[feature].enabled,
    };
  });
}

function isPerUser(feature: Feature): boolean {
  return feature === 'voicemail_email_notice' || feature === 'voicemail_email_audio' || feature === 'voicemail_email_transcript' || feature === 'voicemail_transcription';
}
