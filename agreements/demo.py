"""Demo data: the Lekeberg agreement of seed 003 in full as adopted revision 1, with a draft revision 2."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from agreements import adoption, routines
from agreements import goal_operations as goal_ops
from agreements import operations as ops
from agreements.demo_text import BILAGA_2
from agreements.models import Appendix, Routine, Section, Signatory
from portal.db import db
from portal.orgs import Organisation

TITLE = "Överenskommelse inom Dua – Lekebergs kommun och Arbetsförmedlingen"

#: (key, title, body) of revision 1, the text of "Överenskommelse inom Dua (reviderat förslag 2016 12 19)".
SECTIONS: list[tuple[str, str, str]] = [
    ("syfte", "Syfte",
     "Att genom samverkan, utifrån lokala behov, långsiktigt och varaktigt minska arbetslösheten bland unga, "
     "nyanlända och långtidsarbetslösa och på det sättet bidra till en långsiktig arbetskraftsförsörjning."),
    ("mal", "Mål",
     "- I september 2016 låg arbetslösheten bland ungdomar på 10 % i Lekebergs kommun. Bland utrikes födda var "
     "arbetslösheten 20,8 % i september 2016, att jämföra med januari 2016 då den låg på 13,5 %. Den totala "
     "arbetslösheten i september 2016 var 4,0 % att jämföra med januari då den låg 4,5 %. Målet är att "
     "arbetslösheten ska ha minskat bland berörda grupper i september 2017.\n"
     "- Under 2016 kommer målgruppen för den lokala överenskommelsen utvidgas och därmed också styrgruppen, och "
     "även innehålla chefer från AF ansvariga för etableringen och Jobb- och utvecklingsgarantin. Detta för att "
     "möta upp de nya möjligheterna för målgrupperna inom etableringen samt de över 25 år. Detta ger också en "
     "samverkansvinst då vi får en regelbunden och samlat arbete kring de utsatta (ungdomar, nyanlända och "
     "långtidsarbetslösa) grupperna i Lekebergs kommun.\n"
     "- En arbetsgrupp representerad av handläggare från kommun och förmedlare från Arbetsförmedlingen ha "
     "bildats. Denna ska i samverkan arbeta aktivt med att utforma individuella lösningar för individer samt ha "
     "i uppdrag från styrgruppen att skicka signaler om hinder och möjligheter i samverkan. Arbetsgruppen kommer "
     "arbeta tätt tillsammans för att hitta effektiva lösningar individuellt för målgrupperna. Dess emellan "
     "kommer gruppen ha regelbunden kontakt för att arbeta tillsammans kring individer.\n"
     "- Arbetsgruppen kommer under 2017 arbeta enligt de rutiner som arbetas fram under 2016, se bilaga 1 för "
     "Traineejobb och Utvecklingskontrakt.\n"
     "- Under 2017 kommer en Mötesplats Lekeberg ha öppnat i AMIs lokaler. Mötesplats Lekeberg kommer vara öppen "
     "fredag förmiddag varje vecka. Handläggare och handledare från AF och Lekebergs kommun har denna tid avsatt "
     "för samverkansärenden. På Mötesplats Lekeberg kommer medborgare i Lekebergs kommun bl.a. ha möjlighet att "
     "få svar på frågor, följa upp sin planering eller inleda en ny. Från kommunen kommer handläggare från AMI "
     "(arbetsmarknadshandledare och integrationshandledare) vara representerade. Under tid som Mötesplats "
     "Lekeberg är öppet har även handläggare från kommun och Af möjlighet att träffas i olika konstellationer som "
     "t.ex. arbetsgrupp för DUA. Målsättningen är att även socialtjänsten skall kunna vara representerade under "
     "denna tid och att även Vägvisaren (samordningsteamet) och förstegsverksamheten kan medverka.\n"
     "- I maj 2016 ska en avsiktsförklaring vara skriven mellan ansvariga för delen av skolan som ansvarar för "
     "Introduktionsprogrammet samt det kommunala aktivitetsansvaret och AMI samt Arbetsförmedlingen. Målet är att "
     "ha arbetat fram rutiner och arbetssätt för hur vi ska arbeta tillsammans runt individer i syfte att minska "
     "avhoppen från gymnasiet. Avsiktsförklaringen är skriven och vi kommer arbeta utifrån denna under 2017, se "
     "bilaga 2.\n"
     "- Under 2017 kommer styr- och arbetsgrupps arbete ske samlokaliserat i AMIs lokaler. Styrgrupp träffas "
     "fyra gånger om året 22/2, 2/5, 5/9 och 7/11.\n"
     "- Under hösten 2017 ska åk 9 i Lekebergs kommun informerats av Arbetsförmedlingen inför gymnasieval.\n"
     "- Under 2017 kommer samverkan ske i högre grad riktad mot subventionerade och anpassade anställningar där "
     "extratjänster, traineejobb och utbildningskontrakt kan vara verktyg som Lekebergs kommun och "
     "Arbetsförmedling använder och arbetar aktivt med, mot individer, samt i styrgrupp och arbetsgrupp.\n"
     "- Varje anställning ska föregås av en långsiktig, hållbar planering mot arbete med regelbundna "
     "uppföljningar."),
    ("malgrupp", "Målgrupp",
     "I överenskommelsen för 2017 utvidgar vi målgruppen för samverkan. Förutom ungdomar ingår även "
     "långtidsarbetslösa och nyanlända. Lekebergs kommun har tidigare inte tagit emot nyanlända. Detta sker nu och "
     "denna målgrupp behöver ingå i framtida inventering. Lekeberg tar emot nyanlända där vi arbetar med AF "
     "tillsammans för att hitta metoder för att kunna arbeta på bästa sätt i samverkan. Lokala överenskommelsen "
     "för nyanländas etablering (LÖK 2017, bilaga 3).\n"
     "Mötesplats Lekeberg blir här en viktig arena för nyanlända, där man kan träffa handledare och "
     "representanter som kan möta upp på frågor och mot de behov som finns hos den enskilde individen. "
     "Målsättningen är att SFI ska kunna bedrivas i AMIs lokaler vilket skulle innebära samordningsvinster för "
     "alla parter som arbetar inom etableringen.\n"
     "Individer som uppbär försörjningsstöd har ofta behov av samordnade insatser som t.ex. sysselsättning, vård "
     "och motiverande insatser. Individerna har ofta en psykisk ohälsa.\n"
     "Statistik för målgruppen för UBK och Trainee ansvarar AF för. Individer som uppbär försörjningsstöd eller "
     "befinner sig inom det kommunala aktivitetsansvaret ansvarar kommunen för i första hand och inventerar denna "
     "grupp."),
    ("befintlig-verksamhet", "Redovisning av befintlig verksamhet",
     "Kommunen arbetar just nu med kompetensförsörjningsbehovet från centralt håll. Målet är att ta fram en "
     "handlingsplan för hur Lekebergs kommun kan verka för att möta upp mot kommunens kompetensförsörjningsbehov. "
     "Kommunens förvaltningar arbetar med lösningar på individ- och verksamhetsnivå för att lösa "
     "kompetensförsörjningsbehovet på sikt. AMI och Arbetsförmedlingen arbetar tillsammans för att ställa "
     "individer till arbetsmarknadens förfogande inom ramen för samordningsförbundet FINSAM.\n"
     "AMI är organiserat i tre delar. En praktisk del, Jobb- och Praktikcenter där medborgare kan arbeta, "
     "praktisera, arbetsträna m.m. En mer administrativ del där ungdomar som har fysiska eller psykiska behov av "
     "en lugnare miljö samt annan typ av arbete erbjuda sysselsättning. Den tredje delen består av coaching, "
     "matchning, företagskontakter samt fördjupad arbetsförmågebedömning. AMI arbetar individuellt för att få "
     "ungdomar att växa och göra dem redo för arbete eller studier. Då tiderna för att möta individerna är "
     "begränsade, arbetar AMI och Arbetsförmedling tillsammans kring planering och uppföljningar i AMIs lokaler.\n"
     "Arbetsförmedling, AMI och socialtjänsten har planerade träffar c:a 1 gång i månaden där individärenden gås "
     "igenom och viss planering sker. Kan ersättas mot Mötesplats Lekeberg. Alla kunder ska inkluderas oavsett "
     "inskrivningskontor.\n"
     "I Lekebergs kommun saknas vuxenutbildning på orten. Lekebergs kommun köper platser hos andra aktörer, som "
     "t.ex. andra kommuner samt folkhögskolor. Det finns en utmaning i att hitta lösningar för utbildningsdelen "
     "inom traineejobb och utbildningskontrakt. Det kan uppstå utmaningar kring utbildningsdelen då "
     "vuxenutbildning saknas på orten. Kommunens resurser för studie- och yrkesvägledning är begränsade. Där "
     "finns ett behov av extra resurs. Flera individer är i behov av hjälp kring deras psykiska ohälsa. Där är "
     "kommunens resurser ringa och resurserna från vården är mycket begränsade.\n"
     "AMI har som mål att sänka arbetslösheten bland ungdomar (20-25 år). I detta arbete samverkar AMI med "
     "Arbetsförmedling, Socialtjänsten, skolan, vården, näringslivet och Försäkringskassan, genom "
     "samordningsförbundet FINSAM. Skolan arbetar aktivt med ungdomar 16-19 år inom introduktionsprogrammet och "
     "informationsansvaret. Kommunen är medlem i samordningsförbundet FINSAM där ett projekt pågår just nu riktat "
     "mot individer med behov av samordnade insatser. Under 2016 har ett mottagningsteam bildats som heter "
     "Vägvisaren. Där samverkar organisationerna för att möta upp behoven hos individer som behöver samordnade "
     "insatser. Under vintern 2016-2017 kommer en förstegsverksamhet startas där individer som står långt från "
     "arbetsmarknaden får en möjlighet att inleda sin stegförflyttning mot arbete eller studier.\n"
     "Kommunen erbjuder feriepraktik för alla ungdomar mellan 16 och 18 år, i syfte att stärka individer mot "
     "arbetslivet och bidra till lösning av kommunens kompetensförsörjningsbehov."),
    ("samverkan", "Verksamhet som ska bedrivas i samverkan",
     "I styrgrupp- och arbetsgrupp kommer kontinuerligt metoder och verktyg utvärderas och utvecklas eller "
     "skapas nya. Målet är att i samverkan kunna arbeta med ungdomar, nyanlända och långtidsarbetslösa bygga "
     "individuella lösningar för varje medborgare. Frågor som till exempel arbetet kring motivationsdelen är "
     "viktiga bitar i detta arbete. Överenskommelsen kommer öppna möjligheter för oss att i samverkan arbeta fram "
     "metoder och arbetssätt som är lokalt anpassade.\n"
     "I styrgruppen kommer ramarna fastställas för hur handläggare från Arbetsförmedling och kommun kommer se ut "
     "och i arbetsgruppen kommer det operativa arbetet att ske. Där kommer arbetsförmedlare och handläggare från "
     "kommunen arbeta tillsammans kring dessa arbetsmetoder. Där kommer individplanering ske, dess behov ringas "
     "in, där kommer samverkan ske mellan individ, arbetsförmedlare och kommun.\n"
     "Arbetsgruppens arbete kommer alltså ske rent fysiskt på AMI Lekeberg tillsammans där man träffas och "
     "planerar kring individen. Vid behov kan även möten ske via Skype. Arbetsgruppen kommer också arbeta för att "
     "hitta vägar till att förfina våra metoder och skicka signaler och förslag till styrgruppen om och när något "
     "behöver ses över och ändras."),
    ("ansvarsfordelning", "Ansvarsfördelning",
     "Nedan räknas en del ansvarsförtydliganden upp, syftet med detta är att förtydliga varandras roller i denna "
     "fas av samverkan. Grunden i denna överenskommelse är dock att styrgrupp- och arbetsgrupp kan arbeta "
     "tillsammans för att hitta de bästa lösningarna vi kan för målgrupperna. Informationsträffar kan hållas i "
     "kommunens lokaler.\n"
     "- Kommunens ansvar är att stå för arbetsgivardelen gällande traineejobb och utbildningskontrakt. Kommunens "
     "eget arbetskraftsbehov är tillsammans med det lokala näringslivets behov utgångspunkt för dessa insatser. "
     "Kommunens ansvar är också att lösa utbildningsdelen inom dessa verktyg. Kommunens AMI kommer fungera som "
     "samordnare av de insatser som bedrivs inom kommunens verksamheter.\n"
     "- Arbetsförmedlings ansvar är att tillse att resurs finns att tillgå i styrgrupp- och arbetsgrupp. "
     "Arbetsförmedlingen avsätter resurs för informationsträffar för åk 9. Arbetsförmedlingen och kommun kommer "
     "medverka under företagsfrukostar i kommunen för att verka för ett samarbete med näringslivet. "
     "Arbetsförmedlingen identifierar målgruppen och använder flera olika insatser tillsammans med "
     "utbildningskontrakt och trainee jobb. T.ex. arbetsträning/prövning, praktik, förberedande utbildning och "
     "arbetsmarknadsutbildningar.\n"
     "- AMI ansvarar för frågor rörande arbetsmarknad och arbetslöshet. Inom AMI kommer personal- och "
     "lokalresurser avsättas för samverkans arbete inom överenskommelsen. Handläggare och chef kommer arbeta i "
     "bl.a. styrgrupp- samt arbetsgrupp. Till detta kommer ett kontinuerligt arbete kring individer i målgruppen "
     "hanteras i samverkan."),
    ("organisation", "Organisation",
     "Organiseringen av samverkan kommer ske genom styrgruppens- och arbetsgruppens arbete.\n"
     "- Styrgruppen: chefer från Lekebergs kommun (AMI) och Arbetsförmedlingen, utvidgad med chefer från AF "
     "ansvariga för etableringen och Jobb- och utvecklingsgarantin. Styrgruppen träffas fyra gånger om året: "
     "22/2, 2/5, 5/9 och 7/11 2017.\n"
     "- Arbetsgruppen: handläggare från kommunen och förmedlare från Arbetsförmedlingen, samlokaliserade i AMIs "
     "lokaler.\n"
     "- Mötesplats Lekeberg: fredag förmiddag varje vecka i AMIs lokaler."),
    ("dokumentation", "Dokumentation och uppföljning",
     "Kommunen ansvarar för att löpande registrera deltagarens aktiviteter under placeringstiden och överföra "
     "denna information till Arbetsförmedlingen. Personuppgiftslagen (1998:204) med tillhörande förordning, ska "
     "iakttas vid all hantering av personuppgifter."),
    ("varaktighet", "Överenskommelsens varaktighet och revidering",
     "Överenskommelsen gäller fr.o.m. 2016-12-31 t.o.m. 2017-12-31.\n"
     "Överenskommelsen revideras av styrgruppen kontinuerligt under denna period. Under oktober månad 2017 kommer "
     "en grundligare utvärdering ske och en skriftlig revidering kommer genomföras."),
    ("underskrifter", "Underskrifter", "Fjugesta, Lekebergs kommun, 2016-12-19."),
]

#: (name, title, organisation) as signed in the seed.
SIGNATORIES = [
    ("Marc Antonio Pauletta", "sektionschef", "Arbetsförmedlingen"),
    ("Sara Axén", "sektionschef", "Arbetsförmedlingen"),
    ("Stefan Pettersson", "sektionschef", "Arbetsförmedlingen"),
    ("Per Gustafsson", "enhetschef, Arbetsmarknads- och integrationschef", "Lekebergs kommun"),
]

KOMMUN, AF, BOTH = "Kommunen", "Arbetsförmedlingen", "Kommunen och Arbetsförmedlingen"
BOTH_SYV = "Kommunen, Arbetsförmedlingen och SYV"

#: Bilaga 1: (key, title, [(responsible, step text)]).
ROUTINES: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("utbildningskontrakt", "Rutiner vid Utbildningskontrakt (UBK)", [
        (AF, "Arbetsförmedlingen initierar de individer som uppfyller kriterierna för utbildningskontrakt för "
             "kommunens handläggare på AMI. Handläggare från AF har ett övergripande ansvar för alla inskrivna från "
             "kommunen. Detta är viktigt då individer från Lekeberg skriver in sig på både Örebro samt Sydnärke "
             "kontoret. Även kommunens handläggare kan initiera individ för AF där UBK kan vara aktuellt."),
        (BOTH, "Kalla individerna till en informationsträff där kommunen och Arbetsförmedlingen tillsammans "
               "informerar individerna vad ett utbildningskontrakt innebär samt vilka möjligheter det finns."),
        (BOTH_SYV, ""
                   "1. De intresserade individerna kallas till ett möte tillsammans med kommunen, "
                   "Arbetsförmedlingen samt SYV (studie- och yrkesvägledare) för att tillsammans skapa en "
                   "studieplan utifrån individens önskemål. Samtidigt diskuteras individens önskemål angående "
                   "praktik, anställning eller annan form av åtgärd kombinerat med studier.\n2. De ungdomarna som är "
                   "tveksamma till satsningen kallas till ett motivationsmöte tillsammans med handläggare på "
                   "arbetsförmedlingen. När individen är redo för studier påbörjas steg 1 enligt ovan."),
        (KOMMUN, "Praktik/anställning."),
        (KOMMUN, "Individen kan påbörja studier på heltid eller kombineras med praktik, anställning eller annan "
                 "form av åtgärd efter att en studieplan upprättas samt praktikplats, anställning har arrangerats."),
        (AF, "Individen kallas till ett möte tillsammans med Arbetsförmedlingen för att skriva på avtal för "
             "utbildningskontrakt (studier, praktik eller anställning)."),
        (KOMMUN, "Kommunen gör en uppföljning tillsammans med individen för att utreda om studier och "
                 "praktik/anställning fungerar som det ska."),
    ]),
    ("traineejobb", "Rutiner vid Traineejobb", [
        (KOMMUN, "Identifiera arbetsplatser som har möjlighet att erbjuda handledning, arbetsuppgifter och en "
                 "anställning inom välfärdssektorn eller inom bristyrken."),
        (AF, "Arbetsförmedlingen initierar de individer som uppfyller kriterierna för trainee för kommunens "
             "handläggare på AMI. Handläggare från AF har ett övergripande ansvar för alla inskrivna från kommunen. "
             "Detta är viktigt då individer från Lekeberg skriver in sig på både Örebro samt Sydnärke kontoret. "
             "Etableringshandläggare ska vara involverade i detta arbete. Även kommunens handläggare kan initiera "
             "individ för AF där Trainee kan vara aktuellt."),
        (BOTH, "Kalla individen, -erna till en informationsträff där kommunen och Arbetsförmedlingen tillsammans "
               "informerar om vad ett traineejobb innebär samt vilka möjligheter det finns."),
        (BOTH_SYV, ""
                   "1. De intresserade individerna kallas till ett möte tillsammans med kommunen, "
                   "Arbetsförmedlingen samt SYV (studie- och yrkesvägledare) för att tillsammans skapa en "
                   "studieplan och titta närmare på yrkesinriktade utbildningar.\n2. De ungdomarna som är tveksamma "
                   "till satsningen kallas till ett motivationsmöte tillsammans med handläggare på "
                   "arbetsförmedlingen. När individen är redo för studier påbörjas steg 1 enligt ovan.\n3. Om det "
                   "finns fler intresserade individer än Traineejobb platser gör kommunen tillsammans med "
                   "arbetsförmedlingen ett urval efter de individerna med bäst förutsättningar får gå vidare. "
                   "Resterande individer får vänta till nästa möjlighet ges."),
        (KOMMUN, "Individen kan påbörja sina yrkesinriktade studier samt med sin anställningsplats."),
        (AF, "Individen kallas till ett möte tillsammans med Arbetsförmedlingen för att skriva på avtal för "
             "Traineejobb och anställning."),
        (KOMMUN, "Kommunen gör en uppföljning tillsammans med individen för att utreda om studier och anställning "
                 "fungerar som det ska."),
    ]),
    ("syv", "Rutiner för SYV", [
        (KOMMUN, "Boka in ett möte tillsammans SYV, kommunen, Arbetsförmedlingen samt individen där det "
                 "diskuteras kring individens önskemål samt studieplanering."),
        (KOMMUN, "Skicka individernas betyg till SYV i förväg, innan det bokade mötet."),
        ("SYV", "SYV informerar individen om vilka utbildningar det finns att erbjuda samt vad och/eller hur "
                "mycket som krävs av individen för att få slutbetyg utifrån yrkesinriktning."),
        ("SYV", "SYV gör en studieplan för individen samt kontaktar kommunen och arbetsförmedlingen efter att en "
                "studieplanering har gjorts för individen och skickar studieplaneringen. Vid detta tillfälle kan "
                "individen starta både sina studier och praktik/anställning samtidigt."),
        (AF, "Individen kallas till ett möte tillsammans med Arbetsförmedlingen för att skriva på avtal för "
             "utbildningskontrakt (studier, praktik eller anställning)."),
    ]),
]

#: Bilaga 1's structure as data, per routine: step or sub-step label → rules in the editor's braces
#: (agreements.routines). The "tveksam" sub-steps lead back to the first sub-step of their step ("påbörjas steg 1
#: enligt ovan" read as the first sub-step, the meeting that makes the study plan), 4.3 is the selection, and step
#: 7, the municipality's follow-up, sets the next follow-up date 90 days after it is done.
STRUCTURE: dict[str, dict[str, str]] = {
    "utbildningskontrakt": {
        "2": "möte",
        "3.1": "samtycke; möte; dokument: studieplan",
        "3.2": "tveksam: 1; ansvarig: Arbetsförmedlingen",
        "5": "dokument: studieplan",
        "6": "möte; dokument: avtal",
        "7": "uppföljning: 90",
    },
    "traineejobb": {
        "3": "möte",
        "4.1": "samtycke; möte; dokument: studieplan",
        "4.2": "tveksam: 1; ansvarig: Arbetsförmedlingen",
        "4.3": "urval; ansvarig: Kommunen och Arbetsförmedlingen",
        "6": "möte; dokument: avtal",
        "7": "uppföljning: 90",
    },
    "syv": {
        "1": "samtycke; möte",
        "2": "dokument: betyg",
        "4": "dokument: studieplan",
        "5": "möte; dokument: avtal",
    },
}
#: Who each routine is for (eligibility notes and an age range as data).
ELIGIBILITY: dict[str, tuple[str, tuple[int | None, int | None]]] = {
    "utbildningskontrakt": ("Unga 20–24 år utan fullföljd gymnasieutbildning som är inskrivna hos "
                            "Arbetsförmedlingen. Inga nya kontrakt tecknas efter 2020-01-01.", (20, 24)),
    "traineejobb": ("Unga 20–24 år inskrivna hos Arbetsförmedlingen; inga nya beslut efter 2017-12-31.", (20, 24)),
    "syv": ("Den som behöver en studieplan inför studier.", (None, None)),
}


def routine(position: int, key: str, title: str, steps) -> Routine:
    """One of the seed's routines with its structure as data."""
    eligibility, ages = ELIGIBILITY.get(key, ("", (None, None)))
    return routines.seeded(key, title, steps, STRUCTURE.get(key, {}), eligibility=eligibility, ages=ages,
                           position=position)


#: (indicator, unit, baseline, baseline date, direction, target date, description, earlier measurements)
RATE_GOALS = [
    ("Arbetslöshet bland ungdomar i Lekebergs kommun", "%", Decimal("10.0"), date(2016, 9, 30), "decrease",
     date(2017, 9, 30), "I september 2016 låg arbetslösheten bland ungdomar på 10 % i Lekebergs kommun.", []),
    ("Arbetslöshet bland utrikes födda i Lekebergs kommun", "%", Decimal("20.8"), date(2016, 9, 30), "decrease",
     date(2017, 9, 30), "Bland utrikes födda var arbetslösheten 20,8 % i september 2016 (13,5 % i januari 2016).",
     [(date(2016, 1, 31), Decimal("13.5"))]),
    ("Total arbetslöshet i Lekebergs kommun", "%", Decimal("4.0"), date(2016, 9, 30), "decrease",
     date(2017, 9, 30), "Den totala arbetslösheten i september 2016 var 4,0 % (4,5 % i januari 2016).",
     [(date(2016, 1, 31), Decimal("4.5"))]),
]

#: (delmål, target date, checked off on)
MILESTONES = [
    ("Styrgruppen utvidgad med chefer från AF ansvariga för etableringen och Jobb- och utvecklingsgarantin",
     date(2016, 12, 31), None),
    ("En arbetsgrupp med handläggare från kommunen och förmedlare från Arbetsförmedlingen har bildats",
     date(2016, 12, 31), None),
    ("Avsiktsförklaring mellan skolan (IM och KAA), AMI och Arbetsförmedlingen är skriven (bilaga 2)",
     date(2016, 5, 31), date(2016, 5, 31)),
    ("Arbetsgruppen arbetar enligt rutinerna i bilaga 1", date(2017, 12, 31), None),
    ("Mötesplats Lekeberg har öppnat i AMIs lokaler, fredag förmiddag varje vecka", date(2017, 12, 31), None),
    ("Styr- och arbetsgruppens arbete sker samlokaliserat i AMIs lokaler", date(2017, 12, 31), None),
    ("Åk 9 i Lekebergs kommun har informerats av Arbetsförmedlingen inför gymnasievalet", date(2017, 11, 30),
     None),
]


def seed(orgs: dict[str, Organisation]) -> None:
    """Enter the Lekeberg agreement: revision 1 adopted 2016-12-19 and a draft revision 2.

    A trusted script: every operation is called with by=None, so no rule is asked and no user is recorded.
    """
    kommun, af = orgs["lekeberg"], orgs["af-hallsberg"]
    agreement = ops.create_agreement(title=TITLE, diarienummer="KS 2016/312", parties=[kommun, af],
                                     valid_from=date(2016, 12, 31), valid_to=date(2017, 12, 31), by=None)
    kommun_party, af_party = agreement.parties
    ops.add_party_person(agreement, party_id=kommun_party.id, name="Per Gustafsson",
                         title="enhetschef, Arbetsmarknads- och integrationschef", is_signatory=True, is_contact=True,
                         by=None)
    for name, title, _org in SIGNATORIES[:3]:
        ops.add_party_person(agreement, party_id=af_party.id, name=name, title=title, is_signatory=True,
                             is_contact=name == "Sara Axén", by=None)
    revision = agreement.revisions[0]
    revision.place, revision.next_revision_due = "Fjugesta", date(2017, 10, 31)
    revision.sections = [Section(key=k, title=t, body=b, position=i) for i, (k, t, b) in enumerate(SECTIONS)]
    bilaga1 = Appendix(key="rutiner", number="1", title="Rutiner vid utbildningskontrakt, traineejobb och SYV",
                       body="Rutiner som arbetsgruppen arbetar enligt under 2017.", position=0)
    for position, (key, title, steps) in enumerate(ROUTINES):
        bilaga1.routines.append(routine(position, key, title, steps))
    revision.appendices = [
        bilaga1,
        Appendix(key="samverkansmodell-kaa", number="2", position=1, body=BILAGA_2,
                 title="Samverkansmodell mellan AMI, skola och Arbetsförmedlingen för ungdomar som riskerar hoppa "
                       "av gymnasiet eller ingår i kommunens aktivitetsansvar"),
        Appendix(key="lok-nyanlanda", number="3", position=2,
                 title="Lokala överenskommelsen av nyanländas etablering (LÖK 2017)",
                 body="Den lokala överenskommelsen för nyanländas etablering är ett eget dokument som bifogas."),
    ]
    revision.signatories = [Signatory(name=n, title=t, organisation=o, position=i)
                            for i, (n, t, o) in enumerate(SIGNATORIES)]
    db.session.flush()
    for indicator, unit, base, base_date, direction, target_date, text, earlier in RATE_GOALS:
        goal = goal_ops.create_goal(agreement, indicator=indicator, unit=unit, target_type="direction",
                                    baseline_value=base, baseline_date=base_date, target_direction=direction,
                                    target_date=target_date, description=text, by=None)
        for measured_on, value in [*earlier, (base_date, base)]:
            goal_ops.record_measurement(goal, measured_on=measured_on, value=value, by=None)
    for indicator, target_date, achieved in MILESTONES:
        goal = goal_ops.create_goal(agreement, indicator=indicator, unit=None, target_type="milestone",
                                    target_date=target_date, description=indicator, by=None)
        if achieved:
            goal_ops.check_off_milestone(goal, achieved_on=achieved, by=None)
    ops.propose(revision, by=None)
    adoption.adopt(revision, adopted_on=date(2016, 12, 19), by=None)

    draft = ops.new_revision(agreement, by=None)
    draft.valid_from, draft.valid_to = date(2017, 12, 31), date(2018, 12, 31)
    draft.next_revision_due = date(2018, 10, 31)
    for section in draft.sections:
        if section.key == "varaktighet":
            section.body = ("Överenskommelsen gäller fr.o.m. 2017-12-31 t.o.m. 2018-12-31.\n"
                            "Överenskommelsen revideras av styrgruppen kontinuerligt under denna period. Under "
                            "oktober månad 2018 görs en grundligare utvärdering och en skriftlig revidering.")
        if section.key == "organisation":
            section.body = section.body.replace("22/2, 2/5, 5/9 och 7/11 2017", "fyra gånger under 2018")
    db.session.flush()
