// The synthetic practice-voicemail test set: what callers say, written as
// spoken (numbers as words, the way a TTS voice should read them), with the
// facts a staff member acts on. These were written by hand for the test set,
// not produced by the corpus generator, so the language model has not seen
// them verbatim; they share its vocabulary, as real calls mostly do.
// `facts` are checked against the normalised transcript, case-insensitively.

export interface VoicemailFixture {
  readonly id: string;
  readonly text: string;
  readonly facts: readonly string[];
}

export const VOICEMAIL_FIXTURES: readonly VoicemailFixture[] = [
  { id: 'refill-metformin', facts: ['metformin', '555-0123'],
    text: 'hi this is maria lopez calling about a refill of my metformin please call me back at five five five zero one two three thank you' },
  { id: 'refill-lisinopril', facts: ['lisinopril', '555-4821'],
    text: 'hello my name is james walker i am out of my lisinopril and need a new prescription sent to walgreens my number is five five five four eight two one' },
  { id: 'results-blood', facts: ['results', '555-7730'],
    text: 'hi this is susan clark i had blood work done on monday and i am calling to get my results you can reach me at five five five seven seven three zero' },
  { id: 'reschedule-cleaning', facts: ['cleaning', 'thursday'],
    text: 'hi it is david nguyen i need to reschedule my cleaning on thursday at two thirty p m please give me a call back' },
  { id: 'cancel-appointment', facts: ['cancel', 'friday'],
    text: 'good morning this is linda martinez i need to cancel my appointment on friday i will call back to set up a new time thanks' },
  { id: 'dob-atorvastatin', facts: ['atorvastatin', 'march'],
    text: 'this is robert johnson date of birth march fourth nineteen sixty two i need a refill on atorvastatin forty milligrams' },
  { id: 'billing-question', facts: ['bill', 'dollars'],
    text: 'hi my name is karen white i got a bill for one hundred fifty dollars and i have a question about my insurance please call me' },
  { id: 'side-effects-sertraline', facts: ['sertraline', '555-2096'],
    text: 'hello this is michael brown i started the sertraline last week and i am having side effects call me at five five five two zero nine six' },
  { id: 'toothache', facts: ['toothache', 'tomorrow'],
    text: 'hi this is jennifer davis i have a bad toothache and swelling is there anything available tomorrow morning' },
  { id: 'referral-cardiologist', facts: ['referral', 'cardiologist'],
    text: 'this is thomas garcia my insurance needs a referral to a cardiologist before my appointment next tuesday' },
  { id: 'pharmacy-amlodipine', facts: ['amlodipine', '555-3344'],
    text: 'hi this is the pharmacy calling about a prescription for amlodipine for patient patricia miller please call us at five five five three three four four' },
  { id: 'confirm-appointment', facts: ['confirm', 'wednesday'],
    text: 'hi this is emily taylor calling to confirm my appointment on wednesday at ten a m thank you' },
  { id: 'gabapentin-refill', facts: ['gabapentin', '555-6610'],
    text: 'hello it is charles anderson i need a refill of gabapentin three hundred milligrams my number is five five five six six one zero thanks bye' },
  { id: 'flu-symptoms', facts: ['fever', 'cough'],
    text: 'hi my daughter has a fever and a cough since saturday can the doctor see her today please call me back' },
  { id: 'levothyroxine-dose', facts: ['levothyroxine'],
    text: 'this is nancy thompson the doctor changed my levothyroxine dose and the pharmacy does not have the new prescription' },
  { id: 'xray-results', facts: ['x ray', 'results'],
    text: 'hi this is kevin harris i am calling about my x ray results from last week please call me when you get a chance' },
  { id: 'omeprazole-heartburn', facts: ['omeprazole', 'heartburn'],
    text: 'hello this is sarah lewis the omeprazole is not helping my heartburn should i keep taking it' },
  { id: 'new-patient', facts: ['appointment', '555-8462'],
    text: 'hi my name is daniel young i would like to make an appointment as a new patient please call me at five five five eight four six two' },
  { id: 'losartan-bp', facts: ['losartan', 'blood pressure'],
    text: 'this is betty hall my blood pressure has been high and i have been taking losartan every morning can someone call me' },
  { id: 'crown-broken', facts: ['crown', 'monday'],
    text: 'hi this is steven king my crown came off last night and i would like to come in on monday if possible' },
  { id: 'montelukast-asthma', facts: ['montelukast', 'asthma'],
    text: 'hello this is ashley scott i need a refill of montelukast for my asthma please send it to c v s' },
  { id: 'records-request', facts: ['records', '555-1900'],
    text: 'hi this is paul adams i need a copy of my records sent to my new doctor my number is five five five one nine zero zero' },
  { id: 'running-late', facts: ['late', '11:00'],
    text: "hi this is donna baker i have an appointment at eleven o'clock and i am running about fifteen minutes late sorry" },
  { id: 'hydrochlorothiazide', facts: ['hydrochlorothiazide', '555-2718'],
    text: 'hello this is george nelson calling about my hydrochlorothiazide refill call me back at five five five two seven one eight' },
];

/** Voices that read this text recognisably (espeak-ng does not), with speeds. */
export const TEST_VOICES = ['festival-slt', 'flite-slt', 'flite-rms', 'flite-awb'] as const;
export type TestVoice = (typeof TEST_VOICES)[number];
