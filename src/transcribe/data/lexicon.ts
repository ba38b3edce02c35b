// Word lists the practice-voicemail corpus draws from. Kept as data, not
// logic: a practice may extend them (its own providers, local pharmacies)
// and rebuild the language model. Every word here must have a pronunciation,
// either in the default cmudict or in medication-pronunciations.dict; a unit
// test checks that.

/** Common US first names (SSA and census frequency lists, rounded). */
export const FIRST_NAMES: readonly string[] = `
james mary robert patricia john jennifer michael linda david elizabeth william
barbara richard susan joseph jessica thomas sarah charles karen christopher lisa
daniel nancy matthew betty anthony margaret mark sandra donald ashley steven
kimberly paul emily andrew donna joshua michelle kenneth carol kevin amanda brian
dorothy george melissa timothy deborah ronald stephanie edward rebecca jason
sharon jeffrey laura ryan cynthia jacob kathleen gary amy nicholas angela eric
shirley jonathan anna stephen brenda larry pamela justin emma scott nicole
brandon helen benjamin samantha samuel katherine gregory christine frank rachel
patrick carolyn raymond janet jack catherine dennis maria jerry heather tyler
diane aaron ruth jose julie adam olivia henry joyce nathan virginia peter lauren
kyle christina ethan joan walter evelyn noah judith megan keith cheryl roger
hannah gloria sean teresa carl sophia arthur madison grace albert denise juan
carlos rosa miguel luis priya wei mohammed fatima aisha
`.trim().split(/\s+/);

/** Common US surnames (census frequency list, rounded). */
export const LAST_NAMES: readonly string[] = `
smith johnson williams brown jones garcia miller davis rodriguez martinez
hernandez lopez gonzalez wilson anderson thomas taylor moore jackson martin lee
perez thompson white harris sanchez clark ramirez lewis robinson walker young
allen king wright scott torres nguyen hill flores green adams nelson baker hall
rivera campbell mitchell carter roberts gomez phillips evans turner diaz parker
cruz edwards collins reyes stewart morris morales murphy cook rogers gutierrez
ortiz morgan cooper peterson bailey reed kelly howard ramos kim cox ward
richardson watson brooks chavez wood bennett gray mendoza ruiz hughes price
alvarez castillo sanders patel myers long ross foster jimenez powell jenkins
perry russell sullivan bell coleman butler henderson barnes fisher vasquez
simmons romero patterson hamilton graham reynolds griffin wallace moreno west
cole hayes bryant herrera gibson ellis tran medina stevens murray ford castro
marshall owens harrison fernandez mcdonald woods washington kennedy wells
vargas chen freeman webb tucker shah wong singh kaur chang huang wang liu
`.trim().split(/\s+/);

/**
 * The most-prescribed US medications, generic and brand names (ClinCalc /
 * MEPS top-200 lists, the first hundred or so that callers name), plus a few
 * over-the-counter ones callers ask about.
 */
export const MEDICATIONS: readonly string[] = `
atorvastatin levothyroxine lisinopril metformin amlodipine metoprolol albuterol
omeprazole losartan gabapentin hydrochlorothiazide sertraline simvastatin
montelukast escitalopram rosuvastatin bupropion furosemide pantoprazole
trazodone fluticasone tamsulosin fluoxetine carvedilol duloxetine meloxicam
clopidogrel prednisone citalopram insulin potassium tramadol pravastatin
warfarin ozempic semaglutide jardiance eliquis apixaban xarelto januvia
amoxicillin azithromycin cephalexin ibuprofen hydrocodone oxycodone zoloft
lipitor synthroid prilosec lexapro wellbutrin lasix norvasc glipizide
spironolactone allopurinol estradiol venlafaxine buspirone clonazepam
alprazolam lorazepam cyclobenzaprine famotidine doxycycline ciprofloxacin
valacyclovir propranolol topiramate lamotrigine quetiapine diclofenac naproxen
ondansetron hydroxychloroquine budesonide cetirizine loratadine benzonatate
mounjaro trulicity humira adderall xanax ativan klonopin valium ambien lyrica
flomax crestor plavix coumadin singulair advair symbicort ventolin proair
nexium protonix pepcid tylenol advil motrin penicillin
`.trim().split(/\s+/);

/** Conditions, symptoms and dental problems callers mention (multi-word allowed). */
export const CONDITIONS: readonly string[] = [
  'high blood pressure', 'hypertension', 'diabetes', 'high cholesterol', 'asthma',
  'arthritis', 'depression', 'anxiety', 'migraines', 'a migraine', 'a sinus infection',
  'bronchitis', 'pneumonia', 'the flu', 'covid', 'strep throat', 'a urinary tract infection',
  'back pain', 'knee pain', 'chest pain', 'a thyroid problem', 'allergies', 'a rash',
  'a fever', 'a cough', 'a sore throat', 'an ear infection', 'a headache', 'dizziness',
  'nausea', 'heartburn', 'acid reflux', 'insomnia', 'a toothache', 'tooth pain',
  'a cavity', 'a broken tooth', 'a cracked filling', 'bleeding gums', 'swelling',
  'shortness of breath', 'heart failure', 'kidney disease', 'sleep apnea', 'gout',
];

/** Visits, tests and results a practice schedules or reports. */
export const VISITS: readonly string[] = [
  'appointment', 'physical', 'annual physical', 'checkup', 'follow up', 'follow up visit',
  'cleaning', 'dental cleaning', 'filling', 'crown', 'root canal', 'extraction',
  'consultation', 'flu shot', 'vaccine', 'blood work', 'lab work', 'x rays',
  'mammogram', 'colonoscopy', 'ultrasound', 'e k g', 'physical therapy', 'telehealth visit',
];

export const RESULTS: readonly string[] = [
  'lab results', 'blood test results', 'test results', 'x ray results', 'biopsy results',
  'cholesterol results', 'a one c results', 'mammogram results', 'covid test results',
  'results', 'ultrasound results', 'urine test results',
];

export const PROVIDERS: readonly string[] = [
  'the doctor', 'the nurse', 'the dentist', 'the hygienist', 'doctor smith', 'doctor patel',
  'doctor nguyen', 'doctor garcia', 'doctor lee', 'doctor johnson', 'doctor brown',
  'doctor chen', 'doctor miller', 'doctor kim', 'nurse kelly', 'the billing office',
  'the front desk', 'the office manager',
];

export const PHARMACIES: readonly string[] = [
  'the pharmacy', 'c v s', 'walgreens', 'walmart', 'rite aid', 'costco', 'kroger',
  'the pharmacy on main street', 'my pharmacy', 'the mail order pharmacy',
];

export const INSURERS: readonly string[] = [
  'medicare', 'medicaid', 'aetna', 'cigna', 'blue cross', 'blue cross blue shield',
  'united healthcare', 'humana', 'kaiser', 'my insurance', 'the insurance company',
];

export const WEEKDAYS: readonly string[] = [
  'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday',
];

export const RELATIONS: readonly string[] = [
  'my mother', 'my father', 'my son', 'my daughter', 'my husband', 'my wife', 'my mom',
  'my dad', 'my grandmother', 'my grandfather',
];
