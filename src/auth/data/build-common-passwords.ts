/**
 * Generates common-passwords.txt, the deny list behind the password policy.
 *
 * Written by hand from public knowledge of what people choose (the perennial
 * top entries of published breach-frequency lists, keyboard walks, digit runs,
 * and the words those lists are built from: names, pets, sports, places,
 * feelings, pop culture), then expanded with the decorations people add
 * (digits, years, "!"). The policy also strips decorations and undoes
 * leetspeak before looking a password up, so the base words matter more than
 * the decorated forms.
 *
 * Regenerate with: npx tsx src/auth/data/build-common-passwords.ts
 */
import { writeFileSync } from 'node:fs';

const TOP = `
123456 123456789 12345678 12345 1234567 1234567890 123123 111111 000000 654321 666666 121212 112233
123321 7777777 987654321 1q2w3e4r 1q2w3e4r5t 1qaz2wsx qwerty qwerty123 qwertyuiop qwert asdfgh asdfghjkl
zxcvbnm zxcvbn password password1 password12 password123 passw0rd p@ssw0rd p@ssword pass1234 letmein
welcome welcome1 welcome123 admin admin123 administrator root toor changeme default guest login
iloveyou trustno1 abc123 abcd1234 a1b2c3d4 aa123456 qazwsx 1qazxsw2 zaq12wsx zaq1zaq1 !qaz2wsx
monkey dragon master shadow sunshine princess football baseball basketball soccer hockey superman batman
michael jennifer jordan hunter ranger buster thomas tigger robert soccer harley killer charlie andrew
daniel pepper ginger joshua maggie freedom whatever starwars computer mustang cheese summer winter
secret secret123 hello hello123 loveme lovely flower hottie blink182 123qwe qwe123 q1w2e3r4 mypassword
mypass yourpassword newpassword oldpassword nopassword passpass password! passwort motdepasse contrasena
senha parola salasana wachtwoord haslo heslo jelszo qwertz azerty 1234qwer qwer1234 asdf1234 zxcv1234
asdfasdf qwerqwer 11111111 22222222 88888888 99999999 12341234 12121212 11223344 69696969 00000000
987654 1111 2222 0000 1212 6969 4321 5555 7777 aaaaaa abcdef abcdefg abcdefgh abcabc asdasd qweqwe
iloveu iloveyou1 iloveyou2 love123 lovelove loveyou babygirl babygurl sweetheart sweetie angel angel1
cookie chocolate butterfly rainbow purple pokemon naruto starwars1 matrix trinity zion hacker hackme
letmein1 letmein123 access access14 master123 masterkey passkey keyboard mouse monitor internet google
facebook youtube twitter instagram linkedin microsoft windows apple iphone samsung android linux ubuntu
`;

// Words people build passwords from. Lower case; the policy lower-cases input.
const WORDS = `
love baby angel honey sugar candy cutie lucky happy smile dream heaven heart forever always friend
friends family mother father mommy daddy sister brother grandma grandpa children kids jesus christ
god lord faith blessed church bible prayer amen spirit holy trinity grace glory praise savior
money cash rich dollar million power magic wizard dragon tiger lion eagle falcon hawk wolf bear
panther jaguar cobra viper python snake shark dolphin whale monkey donkey horse pony unicorn
kitten kitty puppy doggy doggie bunny rabbit turtle froggy bubbles fluffy princess prince queen
king knight warrior soldier sniper ninja samurai pirate hunter killer slayer destroyer demon devil
angels heaven hell fire ice storm thunder lightning shadow ghost spider spiderman batman superman
ironman hulk thor loki avengers marvel legend legends hero heroes champion winner victory
soccer football baseball basketball hockey tennis golf boxing racing skater skate surfer surf
snowboard ski fishing hunting camping hiking running runner cycling swimming dance dancer music
guitar piano drums singer rocker rockstar metal punk hiphop rapper jazz blues country disco
summer winter spring autumn sunny sunshine rain rainbow snow snowball flower flowers rose roses
lily daisy tulip orchid jasmine violet purple orange yellow green blue black white silver gold
golden diamond crystal pearl ruby emerald sapphire jade amber coffee tea cookie cookies cake
cupcake pancake pizza burger cheese banana apple cherry peach mango lemon lime strawberry
blueberry chocolate vanilla caramel candy pepper salt garlic onion butter bacon chicken turkey
computer internet network system server admin master secret private hidden security secure
password passwords access enter letmein login logon welcome hello goodbye please thanks sorry
freedom liberty justice america usa texas california florida newyork chicago boston dallas
london paris berlin tokyo moscow madrid rome sydney toronto canada mexico brazil russia china
india japan germany france england ireland scotland italy spain africa europe asia australia
starwars startrek matrix pokemon pikachu naruto sasuke goku vegeta mario luigi zelda link sonic
minecraft fortnite roblox halo warcraft diablo skyrim batman joker harley gotham hogwarts harry
potter hermione gandalf frodo hobbit vader yoda skywalker jedi sith mickey minnie donald goofy
simba nemo elsa frozen barbie tigger pooh snoopy garfield scooby shrek spongebob
mustang corvette camaro ferrari porsche lamborghini bmw mercedes audi honda toyota nissan ford
chevy chevrolet dodge jeep harley yamaha suzuki kawasaki ducati tesla volvo subaru mazda
yankees redsox cowboys steelers packers patriots eagles giants lakers celtics bulls warriors
raiders broncos chiefs bears dolphins jets rangers arsenal chelsea liverpool manchester united
barcelona madrid juventus milan bayern
monday tuesday wednesday thursday friday saturday sunday january february march april may june
july august september october november december
one two three four five six seven eight nine ten eleven twelve hundred thousand
alpha beta gamma delta omega sigma zeta theta lambda kappa
red blue green brown pink gray grey black white
cat dog bird fish pig cow duck goat sheep mouse rat bat fox owl ant bee
home house garden kitchen office school college student teacher doctor nurse dentist dental
medical clinic health hospital patient pharmacy smile teeth tooth practice
phone mobile telephone voicemail fax sotto
sexy hot hottie lover kisses kiss hugs babe baby1 beauty pretty gorgeous handsome sweet
crazy funny silly stupid dummy loser winner awesome cool super great best perfect
nothing something anything everything whatever never forever nobody somebody
qwerty asdfgh zxcvbn
`;

// The first names most often found in breach lists (English-speaking sets).
const NAMES = `
michael jennifer jessica ashley amanda joshua matthew daniel david andrew christopher justin james
robert john william richard joseph thomas charles anthony mark donald steven paul kenneth kevin brian
george edward ronald timothy jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry scott
frank brandon benjamin samuel gregory alexander patrick jack dennis jerry tyler aaron henry adam
douglas nathan peter zachary kyle walter harold jeremy ethan carl keith roger gerald christian terry
sean arthur austin noah lawrence jesse joe bryan billy jordan albert dylan bruce willie gabriel alan
juan logan wayne ralph roy eugene randy vincent russell louis philip bobby johnny bradley
mary patricia linda barbara elizabeth susan margaret sarah karen nancy lisa betty dorothy sandra
kimberly donna emily michelle carol melissa deborah stephanie rebecca laura sharon cynthia kathleen
amy shirley angela helen anna brenda pamela nicole samantha katherine emma ruth christine catherine
debra rachel carolyn janet virginia maria heather diane julie joyce victoria kelly christina joan
evelyn lauren judith olivia martha cheryl megan andrea hannah jacqueline ann jean alice kathryn
gloria teresa doris sara janice julia marie madison grace judy theresa beverly denise marilyn amber
danielle abigail brittany rose diana natalie sophia alexis lori kayla jane charlotte tiffany
alexander alex alexandra chris christy charlie max maxwell buddy buster bailey bella lucky molly
sophie chloe lily zoe ruby daisy rocky duke bear jake shadow sam sammy toby oliver lucy coco
jasmine jade crystal destiny summer autumn dakota cody dustin travis trevor brandy candy angel
`;

const KEYBOARD_ROWS = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm', '1qaz2wsx3edc4rfv', 'qazwsxedcrfv', '!@#$%^&*()'];
const SUFFIXES = ['1', '12', '123', '1234', '12345', '123456', '!', '1!', '123!', '01', '69', '007', '11', '22', '99', '00'];
const YEARS = Array.from({ length: 2026 - 1950 + 1 }, (_, i) => String(1950 + i));

function words(block: string): string[] {
  return block.split(/\s+/).filter((w) => w.length > 0);
}

const out = new Set<string>();
const add = (w: string) => out.add(w.toLowerCase());

for (const w of words(TOP)) add(w);
for (const w of [...words(WORDS), ...words(NAMES)]) add(w);

// Keyboard walks and digit runs of every length from 4 up, both directions.
for (const row of KEYBOARD_ROWS) {
  for (let start = 0; start < row.length; start++) {
    for (let end = start + 4; end <= row.length; end++) {
      add(row.slice(start, end));
      add([...row.slice(start, end)].reverse().join(''));
    }
  }
  add(row + row);
}

// Decorated forms of the most common bases, as breach lists show them.
const popular = [...words(TOP).slice(0, 80), ...words(NAMES).slice(0, 30), ...words(WORDS).slice(0, 30)];
for (const base of popular) {
  if (!/^[a-z]+$/.test(base)) continue;
  for (const s of SUFFIXES) add(base + s);
  add(base[0]!.toUpperCase() + base.slice(1) + '1');
}
for (const base of words(NAMES).slice(0, 20)) {
  for (const y of YEARS) if (Number(y) >= 1970) add(base + y);
}
for (const y of YEARS) {
  add(y);
  add('password' + y);
  add('welcome' + y);
  add('summer' + y);
  add('winter' + y);
  add('spring' + y);
  add('autumn' + y);
}
for (let d = 0; d <= 9; d++) for (let n = 4; n <= 16; n++) add(String(d).repeat(n));

const lines = [...out].sort();
const here = new URL('./common-passwords.txt', import.meta.url);
writeFileSync(here, lines.join('\n') + '\n');
process.stdout.write(`${lines.length} entries\n`);
