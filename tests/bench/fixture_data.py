"""Our own LoCoMo-format conversations for ``hybridmem bench retrieval``.

Four conversations between two friends each, over eight or nine dated sessions: moves,
job changes, pets, changing preferences (diet, coffee, music), family events. 121
questions in LoCoMo's five categories (1 multi-hop, 2 temporal, 3 open-domain, 4
single-hop, 5 adversarial: asked about the wrong person, answered by the other one's turn).

Turns carry labels; a question's evidence names labels, and the builder turns them into
dia_ids ("D<session>:<turn>"), so evidence always points at the turns written to answer it.
Written for the conversations, not for any system: nothing here was changed after seeing
a benchmark score.

Like LoCoMo itself, a few evidence lists are written irregularly ("D1:5; D3:5", "D:2:1",
"D05:10", space-separated ids, a bare "D", an id of a turn that does not exist), and one
conversation has a session date without a session, so the benchmark's normalization is
exercised on the same file it measures.

``python -m tests.bench.fixture_data`` rewrites ``conversations.json`` from this module.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).with_name("conversations.json")

# (speaker "a" | "b", text, label | None[, image caption])
Turn = tuple[str, ...]
Session = tuple[str, list[Turn]]

# ------------------------------------------------------------------ 1. Priya and Arjun

PRIYA_ARJUN: list[Session] = [
    (
        "10:15 am on 14 January, 2023",
        [
            ("a", "Hey Arjun! Happy new year, even if it's a bit late. How was your holiday?", ""),
            (
                "b",
                "Hi Priya! It was lovely, thanks. I spent it with my parents in Jaipur. My "
                "sister Meera got engaged on New Year's Eve, so the whole family was buzzing.",
                "meera_engaged",
            ),
            ("a", "Oh wow, congratulations to Meera! Who's the lucky guy?", ""),
            (
                "b",
                "His name is Kabir, he's a cardiologist she met at a friend's wedding last "
                "spring. The wedding is planned for November.",
                "kabir",
            ),
            (
                "a",
                "That's so exciting. Things here are a bit hectic. I still live in Delhi, in "
                "that tiny flat near Lodhi Garden, but my landlord is raising the rent again.",
                "priya_delhi",
            ),
            ("b", "Ugh, Delhi rents. Are you thinking of moving?", ""),
            (
                "a",
                "Maybe. I've been working as a data analyst at Globex for three years and I'm "
                "getting restless.",
                "priya_globex",
            ),
            ("b", "I get that. How's Biscuit doing?", ""),
            (
                "a",
                "Biscuit is great! She's my beagle, she turned four last week and got a cake "
                "made of peanut butter and oats.",
                "priya_biscuit",
            ),
            (
                "b",
                "Ha, that sounds adorable. My labrador Bruno would be jealous, he's only "
                "allowed boring kibble.",
                "arjun_bruno",
            ),
            ("a", "Poor Bruno! Give him a hug from me.", ""),
        ],
    ),
    (
        "7:40 pm on 2 February, 2023",
        [
            (
                "b",
                "Priya, guess what? I finally signed up for guitar lessons. The first class "
                "was last Saturday.",
                "arjun_guitar_start",
            ),
            ("a", "No way! Acoustic or electric?", ""),
            (
                "b",
                "Acoustic. My teacher is a retired session musician called Mr. D'Souza, he's "
                "strict but funny.",
                "guitar_teacher",
            ),
            (
                "a",
                "I love that. I've been doing something new too - I started pottery classes "
                "on Sunday mornings.",
                "priya_pottery",
            ),
            ("b", "Pottery! Have you made anything yet?", ""),
            (
                "a",
                "A very lopsided bowl. Biscuit tried to drink out of it.",
                "priya_bowl",
                "a photo of a lopsided clay bowl on a pottery wheel",
            ),
            (
                "b",
                "Ha. By the way, I'm vegetarian now, did I tell you? Since December. My "
                "doctor said my cholesterol was too high.",
                "arjun_vegetarian",
            ),
            ("a", "Good for you. I couldn't give up butter chicken.", ""),
            ("b", "It's been fine, honestly. I miss fish the most.", ""),
            ("a", "Well, you can always come over and I'll make you paneer.", ""),
        ],
    ),
    (
        "1:05 pm on 3 March, 2023",
        [
            (
                "a",
                "Big news: I got an offer from Initech in Mumbai! Senior data scientist.",
                "priya_offer_initech",
            ),
            ("b", "Priya! That's huge. Are you taking it?", ""),
            (
                "a",
                "I said yes this morning. I start on the first of April, so I have to move "
                "to Mumbai in a few weeks.",
                "priya_start_april",
            ),
            ("b", "Mumbai! What about Biscuit?", ""),
            (
                "a",
                "She's coming with me, of course. I found a flat in Bandra with a small balcony.",
                "priya_bandra",
            ),
            ("b", "Bandra is lovely. Sea breeze, too many cafés.", ""),
            ("a", "Exactly my kind of problem. I'll miss Delhi's winters though.", ""),
            ("b", "I'll miss you being nearby... wait, you were never nearby. Never mind.", ""),
            ("a", "Ha! How's the guitar going?", ""),
            (
                "b",
                "I can play three chords and a very slow version of 'Wonderwall'. My "
                "neighbours are thrilled.",
                "arjun_wonderwall",
            ),
        ],
    ),
    (
        "9:20 pm on 22 April, 2023",
        [
            ("b", "How's Mumbai treating you? First weeks at Initech okay?", ""),
            (
                "a",
                "It's intense! The team is great though. My manager Farah lets us work from "
                "home on Fridays.",
                "priya_farah",
            ),
            ("b", "Nice. And Biscuit?", ""),
            (
                "a",
                "She hated the early rain we got - it poured for two days and she refused to "
                "go out. She loves the beach at Juhu though.",
                "biscuit_juhu",
            ),
            (
                "b",
                "Bruno would love a beach. Sad news here: Bruno has been limping, the vet "
                "thinks it's his hip.",
                "bruno_hip",
            ),
            ("a", "Oh no. Poor boy. Is it serious?", ""),
            (
                "b",
                "He needs physiotherapy twice a week. It's expensive but he's worth it.",
                "bruno_physio",
            ),
            ("a", "Of course he is. Let me know if I can help.", ""),
            (
                "b",
                "Thanks. Also, I've quit caffeine. Three weeks now. I'm drinking chamomile "
                "tea like an old man.",
                "arjun_quit_caffeine",
            ),
            ("a", "You? You used to drink four espressos a day!", ""),
            (
                "b",
                "I know. My hands were shaking during guitar practice, so something had to go.",
                "arjun_caffeine_why",
            ),
        ],
    ),
    (
        "6:45 pm on 18 June, 2023",
        [
            (
                "a",
                "Arjun, I have a confession: I've started running. I signed up for the "
                "Mumbai half marathon in January.",
                "priya_running",
            ),
            ("b", "Who are you and what have you done with Priya?", ""),
            (
                "a",
                "I know! A colleague dragged me to a running club on Marine Drive. We meet "
                "at 6 am on Tuesdays and Thursdays.",
                "running_club",
            ),
            (
                "b",
                "6 am. Respect. I've got news too: I'm moving to Pune in August. My company "
                "is opening an office there and I'm leading the design team.",
                "arjun_pune",
            ),
            ("a", "Pune! That's close to Mumbai! We can meet on weekends.", ""),
            ("b", "That's the best part. Three hours by train.", ""),
            ("a", "What company is it again? I always forget.", ""),
            (
                "b",
                "Zenith Motors. I've been an industrial designer there for six years.",
                "arjun_zenith",
            ),
            ("a", "Right, the electric scooters. Will Bruno manage the move?", ""),
            (
                "b",
                "His hip is much better after the physio. He'll have a garden in Pune, so "
                "he'll be happy.",
                "bruno_better",
            ),
        ],
    ),
    (
        "11:30 am on 26 August, 2023",
        [
            (
                "b",
                "Greetings from Pune! We moved in last weekend. The flat is in Koregaon Park.",
                "arjun_koregaon",
            ),
            ("a", "Yay! How does Bruno like the garden?", ""),
            (
                "b",
                "He's obsessed. He's dug three holes already. Also, I adopted a cat! A grey "
                "kitten called Pepper, I found her outside the office.",
                "arjun_pepper",
                "a photo of a small grey kitten sleeping on a labrador",
            ),
            ("a", "A kitten and a labrador! How are they getting along?", ""),
            ("b", "Pepper bosses Bruno around. It's hilarious.", ""),
            (
                "a",
                "I love it. Sadly I'm allergic to cats, so I'll be admiring Pepper from a "
                "distance.",
                "priya_cat_allergy",
            ),
            ("b", "Noted, we'll keep her in the bedroom when you visit.", ""),
            (
                "a",
                "Also, I stopped pottery. My studio was in Delhi and I haven't found one in "
                "Bandra.",
                "priya_stopped_pottery",
            ),
            ("b", "That's a shame. Any other hobbies?", ""),
            ("a", "Running takes all my time now. I did 15 km last Sunday!", "priya_15km"),
        ],
    ),
    (
        "8:05 pm on 20 November, 2023",
        [
            (
                "b",
                "The wedding was perfect! Meera and Kabir got married in Udaipur last Saturday.",
                "meera_married",
            ),
            ("a", "Oh, I saw the photos! Meera looked stunning in that red lehenga.", ""),
            (
                "b",
                "She did. I played guitar at the sangeet - 'Tum Hi Ho'. My hands were shaking.",
                "arjun_sangeet",
            ),
            ("a", "You performed! I'm so proud.", ""),
            ("b", "How's your training going?", ""),
            (
                "a",
                "Good! The half marathon is on 21 January. I'm running about 40 km a week now.",
                "half_marathon_date",
            ),
            (
                "b",
                "Amazing. Oh, and I'm not vegetarian anymore. I started eating fish again in "
                "October - my doctor was okay with it.",
                "arjun_fish",
            ),
            ("a", "Ha, I knew you missed fish.", ""),
            ("b", "Guilty. There's a great Goan seafood place near my flat.", "arjun_goan"),
            ("a", "I'll visit in December and you can take me there.", ""),
        ],
    ),
    (
        "4:50 pm on 28 January, 2024",
        [
            (
                "a",
                "I did it! I finished the half marathon last Sunday in 2 hours 11 minutes.",
                "priya_finished",
            ),
            ("b", "Priya!! That's fantastic. How do you feel?", ""),
            ("a", "My legs hate me, but I'm so happy. Farah and the whole team came to cheer.", ""),
            ("b", "Farah's your manager, right? That's so sweet.", ""),
            (
                "a",
                "Yes! Also... I've been promoted. I'm now leading the analytics team at Initech.",
                "priya_promoted",
            ),
            ("b", "What a month! Congratulations.", ""),
            ("a", "Thanks. How are Bruno and Pepper?", ""),
            (
                "b",
                "Pepper has grown huge and Bruno is turning nine next month. He's slowing "
                "down, but he still loves his walks.",
                "bruno_nine",
            ),
            ("a", "Give them both a scratch from me - Pepper from a distance.", ""),
            (
                "b",
                "Ha, will do. By the way, I'm back on coffee. One cup in the morning, no more.",
                "arjun_coffee_back",
            ),
            ("a", "Moderation! Who are you?", ""),
        ],
    ),
    (
        "10:10 am on 16 March, 2024",
        [
            ("b", "Hey Priya, guess who's learning the electric guitar now?", "arjun_electric"),
            ("a", "Ha, the acoustic wasn't loud enough?", ""),
            (
                "b",
                "I joined a band with two colleagues. We're called The Late Shift and we play "
                "at a café on Fridays.",
                "arjun_band",
            ),
            ("a", "The Late Shift! I love it. I'll come to a show.", ""),
            ("b", "Please do. How are things?", ""),
            (
                "a",
                "I'm thinking about getting back into pottery. I found a studio in Khar that "
                "does evening classes.",
                "priya_pottery_again",
            ),
            ("b", "That's great. You were getting good at bowls.", ""),
            (
                "a",
                "My bowls were lopsided and you know it. Also, Biscuit is on a diet - the vet "
                "says she's two kilos overweight.",
                "biscuit_diet",
            ),
            ("b", "Too much peanut butter cake.", ""),
            ("a", "Exactly.", ""),
        ],
    ),
]

PRIYA_ARJUN_QA: list[dict[str, Any]] = [
    # 4 single-hop
    {
        "q": "What is the name of Priya's dog?",
        "a": "Biscuit, a beagle",
        "c": 4,
        "e": ["priya_biscuit"],
        "extra": ["D"],
    },
    {"q": "Who is Meera engaged to?", "a": "Kabir, a cardiologist", "c": 4, "e": ["kabir"]},
    {
        "q": "Which company did Priya work for in Delhi?",
        "a": "Globex",
        "c": 4,
        "e": ["priya_globex"],
    },
    {
        "q": "What job did Priya accept at Initech?",
        "a": "Senior data scientist",
        "c": 4,
        "e": ["priya_offer_initech"],
    },
    {"q": "Where is Priya's flat in Mumbai?", "a": "Bandra", "c": 4, "e": ["priya_bandra"]},
    {"q": "Who is Priya's manager at Initech?", "a": "Farah", "c": 4, "e": ["priya_farah"]},
    {"q": "What is the name of Arjun's kitten?", "a": "Pepper", "c": 4, "e": ["arjun_pepper"]},
    {
        "q": "Where does Priya's running club meet?",
        "a": "Marine Drive",
        "c": 4,
        "e": ["running_club"],
    },
    {"q": "What is the name of Arjun's band?", "a": "The Late Shift", "c": 4, "e": ["arjun_band"]},
    {
        "q": "Why did Arjun quit caffeine?",
        "a": "His hands were shaking during guitar practice",
        "c": 4,
        "e": ["arjun_caffeine_why"],
    },
    {
        "q": "Which company does Arjun work for?",
        "a": "Zenith Motors",
        "c": 4,
        "e": ["arjun_zenith"],
    },
    {
        "q": "What did Priya make in her first pottery classes?",
        "a": "A lopsided bowl",
        "c": 4,
        "e": ["priya_bowl"],
    },
    # 2 temporal
    {
        "q": "When did Arjun start guitar lessons?",
        "a": "Saturday 28 January 2023",
        "c": 2,
        "e": ["arjun_guitar_start"],
    },
    {
        "q": "When did Priya start at Initech?",
        "a": "1 April 2023",
        "c": 2,
        "e": ["priya_start_april"],
    },
    {
        "q": "When did Arjun move into his flat in Pune?",
        "a": "The weekend of 19-20 August 2023",
        "c": 2,
        "e": ["arjun_koregaon"],
    },
    {
        "q": "When did Meera and Kabir get married?",
        "a": "18 November 2023",
        "c": 2,
        "e": ["meera_married"],
    },
    {
        "q": "When did Priya run the half marathon?",
        "a": "21 January 2024",
        "c": 2,
        "e": ["half_marathon_date", "priya_finished"],
    },
    {
        "q": "When did Arjun go back to eating fish?",
        "a": "October 2023",
        "c": 2,
        "e": ["arjun_fish"],
    },
    # 1 multi-hop
    {
        "q": "In which cities has Priya lived?",
        "a": "Delhi, then Mumbai",
        "c": 1,
        "e": ["priya_delhi", "priya_bandra"],
        "fmt": "joined",
    },
    {
        "q": "What pets does Arjun have?",
        "a": "A labrador called Bruno and a grey cat called Pepper",
        "c": 1,
        "e": ["arjun_bruno", "arjun_pepper"],
    },
    {
        "q": "How did Arjun's diet change over the year?",
        "a": "Vegetarian from December 2022, eating fish again from October 2023",
        "c": 1,
        "e": ["arjun_vegetarian", "arjun_fish"],
    },
    {
        "q": "How did Arjun's coffee habits change?",
        "a": "He quit caffeine in spring 2023 and was back to one cup a morning by January 2024",
        "c": 1,
        "e": ["arjun_quit_caffeine", "arjun_coffee_back"],
    },
    {
        "q": "What hobbies has Priya taken up since January 2023?",
        "a": "Pottery and running",
        "c": 1,
        "e": ["priya_pottery", "priya_running"],
    },
    {
        "q": "Where has Arjun played guitar for an audience?",
        "a": "At his sister Meera's sangeet, and at a café with his band The Late Shift",
        "c": 1,
        "e": ["arjun_sangeet", "arjun_band"],
    },
    # 3 open-domain
    {
        "q": "Would Priya be comfortable sharing a flat with a cat?",
        "a": "No, she is allergic to cats",
        "c": 3,
        "e": ["priya_cat_allergy"],
    },
    {
        "q": "Is Priya likely fitter in 2024 than she was in early 2023?",
        "a": "Yes, she took up running and finished a half marathon",
        "c": 3,
        "e": ["priya_running", "priya_finished"],
    },
    {
        "q": "Would Arjun enjoy a seafood dinner in December 2023?",
        "a": "Yes, he eats fish again and likes a Goan seafood place",
        "c": 3,
        "e": ["arjun_fish", "arjun_goan"],
    },
    # 5 adversarial
    {
        "q": "What is the name of Priya's labrador?",
        "adv": "Bruno",
        "c": 5,
        "e": ["arjun_bruno"],
    },
    {
        "q": "Which company offered Arjun a job in Mumbai?",
        "adv": "Initech",
        "c": 5,
        "e": ["priya_offer_initech"],
    },
    {"q": "What breed is Arjun's dog Biscuit?", "adv": "A beagle", "c": 5, "e": ["priya_biscuit"]},
    {"q": "What is Priya's band called?", "adv": "The Late Shift", "c": 5, "e": ["arjun_band"]},
]

# ------------------------------------------------------------------ 2. Elena and Marcus

ELENA_MARCUS: list[Session] = [
    (
        "8:30 pm on 5 March, 2023",
        [
            ("a", "Marcus! It's been ages. How's the bakery?", ""),
            (
                "b",
                "Busy as ever. I'm still at Padaria Lusa, doing the 4 am shift. My back is "
                "not amused.",
                "marcus_padaria",
            ),
            ("a", "4 am! I thought nursing night shifts were bad.", ""),
            ("b", "How's the hospital?", ""),
            (
                "a",
                "Exhausting. I've been a nurse at Santa Maria in Lisbon for eight years and I "
                "think I'm burning out.",
                "elena_nurse",
            ),
            ("b", "Have you thought about a change?", ""),
            (
                "a",
                "Honestly, I've been reading about law. I've wanted to study law since I was "
                "a teenager.",
                "elena_law_dream",
            ),
            ("b", "You'd be a great lawyer. You argue with everyone.", ""),
            ("a", "Rude. True, but rude.", ""),
            ("b", "How's your mum doing?", ""),
            (
                "a",
                "She's okay. She's been having trouble with her knee, she might need surgery.",
                "mum_knee",
            ),
        ],
    ),
    (
        "12:15 pm on 9 April, 2023",
        [
            (
                "b",
                "Elena, I have news. My wife Ana is pregnant! The baby is due in September.",
                "ana_pregnant",
            ),
            ("a", "Marcus!! Congratulations to you both! Do you know if it's a boy or a girl?", ""),
            (
                "b",
                "A girl. Ana wants to call her Sofia, I want Beatriz. We'll see who wins.",
                "baby_names",
            ),
            ("a", "Ana will win. She always wins.", ""),
            ("b", "Probably. How are you? Any decision about law school?", ""),
            (
                "a",
                "I applied to the University of Porto for the evening law programme. I find "
                "out in June.",
                "elena_applied",
            ),
            ("b", "Porto! You'd move?", ""),
            (
                "a",
                "If I get in, yes. My brother Tiago lives there and has a spare room.",
                "tiago_porto",
            ),
            ("b", "That's handy. Kiwi says hi, by the way.", ""),
            ("a", "How is that noisy parrot?", ""),
            (
                "b",
                "My parrot Kiwi learned to whistle the Benfica anthem. Ana is not thrilled.",
                "marcus_kiwi",
            ),
        ],
    ),
    (
        "5:50 pm on 24 June, 2023",
        [
            (
                "a",
                "I got in! The University of Porto accepted me for the law programme starting "
                "in September!",
                "elena_accepted",
            ),
            ("b", "Parabéns! I knew it!", ""),
            (
                "a",
                "I'm going to keep working part-time as a nurse at a clinic in Porto to pay "
                "the bills.",
                "elena_clinic",
            ),
            ("b", "Smart. When do you move?", ""),
            (
                "a",
                "At the end of August. I'm packing my whole life into boxes.",
                "elena_move_august",
            ),
            ("b", "Ana is huge now, she says the baby kicks like a footballer.", ""),
            ("a", "Sounds like a Benfica fan already.", ""),
            ("b", "Don't say that near Kiwi.", ""),
            (
                "a",
                "Ha! Oh, my mum had her knee surgery last week. It went well, she's already "
                "complaining about the hospital food.",
                "mum_surgery",
            ),
            ("b", "Glad to hear it. Send her my best.", ""),
        ],
    ),
    (
        "9:10 am on 20 September, 2023",
        [
            (
                "b",
                "She's here! Beatriz was born on the 12th of September. 3.4 kilos.",
                "beatriz_born",
                "a photo of a newborn baby wrapped in a yellow blanket",
            ),
            ("a", "Beatriz! So you won the name fight?", ""),
            (
                "b",
                "Ana let me have it because I cut the cord without fainting.",
                "name_cut_cord",
            ),
            ("a", "Ha! Congratulations, papa. How are you sleeping?", ""),
            ("b", "Sleeping? What's that? At least I'm used to waking at 4 am.", ""),
            (
                "a",
                "I'm settled in Porto now. Tiago's spare room is tiny but the view of the "
                "Douro is worth it.",
                "elena_porto_settled",
            ),
            ("b", "And law school?", ""),
            (
                "a",
                "Classes started on Monday. Constitutional law is hard but I love it.",
                "classes_started",
            ),
            ("b", "You're going to be brilliant.", ""),
            (
                "a",
                "It turns out I'm allergic to Tiago's cat. I'm on antihistamines every day.",
                "elena_cat_allergy",
            ),
        ],
    ),
    (
        "7:25 pm on 15 November, 2023",
        [
            ("a", "How's little Beatriz?", ""),
            ("b", "She smiled at me yesterday! Ana says it was gas, but I know the truth.", ""),
            ("a", "It was definitely a real smile.", ""),
            (
                "b",
                "Big news: I'm opening my own café. I handed in my notice at Padaria Lusa.",
                "marcus_cafe_plan",
            ),
            ("a", "Marcus! What will it be called?", ""),
            (
                "b",
                "Café Beatriz, of course. It opens in February in Alfama.",
                "cafe_alfama",
            ),
            ("a", "That's perfect. I'll come for the opening.", ""),
            ("b", "Are you still doing anything besides studying?", ""),
            (
                "a",
                "I signed up for the Porto marathon next November. I run along the river "
                "every morning before class.",
                "elena_marathon",
            ),
            ("b", "A marathon! Respect. I get tired carrying flour bags.", ""),
            (
                "a",
                "And I've switched from coffee to green tea. Law school makes my heart race "
                "enough already.",
                "elena_green_tea",
            ),
        ],
    ),
    (
        "2:40 pm on 10 February, 2024",
        [
            (
                "b",
                "Café Beatriz opened last Saturday! We sold out of pastéis de nata by noon.",
                "cafe_opened",
            ),
            (
                "a",
                "I'm so sorry I couldn't come, I had exams. Ana sent me photos, it looks gorgeous.",
                "",
            ),
            (
                "b",
                "She painted the mural herself. Beatriz slept through the whole opening.",
                "ana_mural",
                "a photo of a café wall painted with blue tiles and lemons",
            ),
            ("a", "Ana is so talented. How's Kiwi adjusting?", ""),
            (
                "b",
                "Kiwi lives at the café now. The customers love him, he says 'bom dia' to "
                "everyone.",
                "kiwi_cafe",
            ),
            ("a", "A celebrity parrot.", ""),
            ("b", "How did the exams go?", ""),
            ("a", "I passed everything! Top mark in contract law.", "elena_exams"),
            ("b", "Of course you did.", ""),
            (
                "a",
                "Also I've moved out of Tiago's place. I rent a studio in Cedofeita now, cat-free.",
                "elena_cedofeita",
            ),
        ],
    ),
    (
        "6:00 pm on 22 May, 2024",
        [
            (
                "a",
                "Marcus, I did something impulsive. I adopted a dog! A greyhound called "
                "Trovão, rescued from a racing track.",
                "elena_greyhound",
            ),
            ("b", "A dog! What happened to 'I'm too busy'?", ""),
            ("a", "He sleeps twenty hours a day. He's the laziest athlete in Portugal.", ""),
            (
                "b",
                "Ha! Beatriz just started crawling, so we're baby-proofing everything.",
                "beatriz_crawling",
            ),
            ("a", "Oh no, the café!", ""),
            (
                "b",
                "She's not allowed behind the counter. Yet. Ana went back to work last month, "
                "she's teaching art at a secondary school again.",
                "ana_back_to_work",
            ),
            ("a", "Who looks after Beatriz?", ""),
            (
                "b",
                "My mother, three days a week. She spoils her rotten.",
                "marcus_mother_babysits",
            ),
            ("a", "As grandmothers should. Mine used to feed me cake for breakfast.", ""),
            ("b", "Is your mum doing well after the knee operation?", ""),
            (
                "a",
                "She's walking without a cane now! She even came to Porto and climbed up to "
                "the cathedral.",
                "mum_recovered",
            ),
        ],
    ),
    (
        "11:45 am on 3 September, 2024",
        [
            (
                "b",
                "We had a scare - Kiwi flew out of the café and was missing for two days.",
                "kiwi_missing",
            ),
            ("a", "Oh no! Did you find him?", ""),
            (
                "b",
                "A neighbour found him on her balcony, whistling the Benfica anthem. That's "
                "how she knew he was ours.",
                "kiwi_found",
            ),
            ("a", "That parrot is a legend.", ""),
            ("b", "How's the marathon training?", ""),
            (
                "a",
                "Hard. Trovão refuses to run with me, he prefers the sofa. I'm doing 60 km a week.",
                "elena_training",
            ),
            ("b", "Is the marathon still in November?", ""),
            (
                "a",
                "Yes, the 3rd of November. My brother Tiago is running it too.",
                "marathon_date",
            ),
            (
                "b",
                "Beatriz turns one next week! We're having a party at the café.",
                "beatriz_first_birthday",
            ),
            ("a", "I'll be there! I'll bring a present.", ""),
            ("b", "She'll probably eat the wrapping paper.", ""),
        ],
    ),
]

ELENA_MARCUS_QA: list[dict[str, Any]] = [
    # 4 single-hop
    {
        "q": "Where did Marcus work before opening his café?",
        "a": "Padaria Lusa, a bakery",
        "c": 4,
        "e": ["marcus_padaria"],
    },
    {
        "q": "At which hospital did Elena work as a nurse?",
        "a": "Santa Maria in Lisbon",
        "c": 4,
        "e": ["elena_nurse"],
    },
    {"q": "What is the name of Marcus's parrot?", "a": "Kiwi", "c": 4, "e": ["marcus_kiwi"]},
    {
        "q": "Which university accepted Elena to study law?",
        "a": "The University of Porto",
        "c": 4,
        "e": ["elena_accepted"],
    },
    {"q": "What is Marcus's café called?", "a": "Café Beatriz", "c": 4, "e": ["cafe_alfama"]},
    {
        "q": "In which neighbourhood is Marcus's café?",
        "a": "Alfama",
        "c": 4,
        "e": ["cafe_alfama"],
    },
    {
        "q": "What breed is Elena's dog?",
        "a": "A greyhound called Trovão",
        "c": 4,
        "e": ["elena_greyhound"],
    },
    {
        "q": "Who looks after Beatriz while Ana works?",
        "a": "Marcus's mother, three days a week",
        "c": 4,
        "e": ["marcus_mother_babysits"],
    },
    {"q": "Who painted the mural in the café?", "a": "Ana", "c": 4, "e": ["ana_mural"]},
    {"q": "What does Kiwi say to the café customers?", "a": "Bom dia", "c": 4, "e": ["kiwi_cafe"]},
    {
        "q": "Where does Elena rent a studio?",
        "a": "In Cedofeita, Porto",
        "c": 4,
        "e": ["elena_cedofeita"],
    },
    # 2 temporal
    {"q": "When was Beatriz born?", "a": "12 September 2023", "c": 2, "e": ["beatriz_born"]},
    {
        "q": "When did Elena's mother have knee surgery?",
        "a": "The week before 24 June 2023 (mid-June 2023)",
        "c": 2,
        "e": ["mum_surgery"],
    },
    {
        "q": "When did Café Beatriz open?",
        "a": "Saturday 3 February 2024",
        "c": 2,
        "e": ["cafe_opened"],
    },
    {
        "q": "When is the Porto marathon that Elena is running?",
        "a": "3 November 2024",
        "c": 2,
        "e": ["elena_marathon", "marathon_date"],
    },
    {
        "q": "When did Elena move to Porto?",
        "a": "At the end of August 2023",
        "c": 2,
        "e": ["elena_move_august"],
    },
    {"q": "When did Ana go back to work?", "a": "April 2024", "c": 2, "e": ["ana_back_to_work"]},
    # 1 multi-hop
    {
        "q": "How did Elena's career change?",
        "a": "From nurse in Lisbon to law student in Porto, nursing part-time at a clinic",
        "c": 1,
        "e": ["elena_nurse", "elena_accepted", "elena_clinic"],
    },
    {
        "q": "Where has Elena lived?",
        "a": "Lisbon, then her brother Tiago's spare room in Porto, then a studio in Cedofeita",
        "c": 1,
        "e": ["elena_nurse", "elena_porto_settled", "elena_cedofeita"],
        "fmt": "colon",
    },
    {
        "q": "Which animals do Marcus and Elena have?",
        "a": "Marcus has a parrot, Kiwi; Elena has a greyhound, Trovão",
        "c": 1,
        "e": ["marcus_kiwi", "elena_greyhound"],
    },
    {
        "q": "How did Marcus and Ana choose their daughter's name?",
        "a": "Ana wanted Sofia and Marcus wanted Beatriz; Ana let him choose because he cut "
        "the cord without fainting",
        "c": 1,
        "e": ["baby_names", "name_cut_cord"],
    },
    {
        "q": "How did Elena's mother's knee problem develop?",
        "a": "Knee trouble in March 2023, surgery in June 2023, walking without a cane by May 2024",
        "c": 1,
        "e": ["mum_knee", "mum_surgery", "mum_recovered"],
    },
    # 3 open-domain
    {
        "q": "Would Elena be happy staying in a house with cats?",
        "a": "No, she is allergic to cats",
        "c": 3,
        "e": ["elena_cat_allergy"],
    },
    {
        "q": "Is Marcus likely used to getting up early?",
        "a": "Yes, he worked the 4 am bakery shift",
        "c": 3,
        "e": ["marcus_padaria"],
    },
    {
        "q": "Would Elena order an espresso late in the evening during law school?",
        "a": "Unlikely; she switched from coffee to green tea",
        "c": 3,
        "e": ["elena_green_tea"],
    },
    # 5 adversarial
    {
        "q": "Which university accepted Marcus to study law?",
        "adv": "The University of Porto",
        "c": 5,
        "e": ["elena_accepted"],
    },
    {"q": "What is the name of Elena's parrot?", "adv": "Kiwi", "c": 5, "e": ["marcus_kiwi"]},
    {
        "q": "When was Elena's daughter born?",
        "adv": "12 September 2023",
        "c": 5,
        "e": ["beatriz_born"],
    },
    {
        "q": "What is the name of Marcus's greyhound?",
        "adv": "Trovão",
        "c": 5,
        "e": ["elena_greyhound"],
    },
    {
        "q": "Where does Marcus work part-time as a nurse?",
        "adv": "A clinic in Porto",
        "c": 5,
        "e": ["elena_clinic"],
    },
]

# ------------------------------------------------------------------ 3. Hana and Tom

HANA_TOM: list[Session] = [
    (
        "3:20 pm on 11 February, 2023",
        [
            ("a", "Tom! How's the new term going?", ""),
            (
                "b",
                "Hi Hana! Chaotic. Thirty-two Year 9s in one chemistry class. I love them, "
                "but wow.",
                "tom_chemistry",
            ),
            ("a", "You're brave. I'd rather debug legacy code.", ""),
            ("b", "Speaking of which, how's life at Kansai Robotics?", ""),
            (
                "a",
                "Still writing firmware for warehouse robots. Five years in Osaka now, and I "
                "still love the food here.",
                "hana_osaka",
            ),
            ("b", "The okonomiyaki! I still dream about it.", ""),
            ("a", "Come back and I'll take you to the place near Dotonbori again.", ""),
            (
                "b",
                "One day. Max, my old collie, sends his love, by the way. He's getting grey "
                "around the muzzle.",
                "tom_max",
            ),
            ("a", "How old is he now?", ""),
            ("b", "Twelve. He still chases the postman every morning.", "max_twelve"),
        ],
    ),
    (
        "10:05 am on 25 March, 2023",
        [
            (
                "a",
                "I have news! Kenji proposed! We got engaged last Sunday at Arashiyama.",
                "hana_engaged",
                "a photo of an engagement ring in front of a bamboo forest",
            ),
            ("b", "Hana! That's brilliant! Kenji is the architect, right?", ""),
            (
                "a",
                "Yes, the architect with the terrible puns. The wedding will be next spring "
                "in Kyoto.",
                "kenji_architect",
            ),
            ("b", "I'm coming. I'm absolutely coming.", ""),
            ("a", "You'd better. How's school?", ""),
            (
                "b",
                "I applied for the deputy head job. The interview is in two weeks.",
                "tom_applied",
            ),
            ("a", "Good luck! You'd be great at bossing people around.", ""),
            (
                "b",
                "Thanks, I think? By the way, I've got really into jazz. My brother Sam lent "
                "me his Coltrane records.",
                "tom_jazz",
            ),
            ("a", "You? The man who only listened to Oasis?", ""),
            ("b", "I know. 'A Love Supreme' changed me.", "tom_love_supreme"),
        ],
    ),
    (
        "7:30 pm on 6 May, 2023",
        [
            ("b", "I got the job! I'm going to be deputy head from September.", "tom_deputy"),
            ("a", "Congratulations, Tom! Deputy Head Tom!", ""),
            (
                "b",
                "I'll still teach one chemistry class, I couldn't give it up completely.",
                "tom_keeps_class",
            ),
            (
                "a",
                "Of course. My news is mixed: my company is relocating my team to Tokyo in July.",
                "hana_tokyo",
            ),
            ("b", "Tokyo! Are you going?", ""),
            (
                "a",
                "Yes. Kenji can work from anywhere, and honestly I'm excited. We found a flat "
                "in Nakameguro.",
                "hana_nakameguro",
            ),
            ("b", "What about your pottery?", ""),
            (
                "a",
                "That's the sad part. I'll have to leave my pottery teacher, Mrs. Ueda. I've "
                "been learning with her for three years.",
                "hana_ueda",
            ),
            ("b", "I'm sure Tokyo has pottery studios.", ""),
            ("a", "True. I'll look for one.", ""),
        ],
    ),
    (
        "1:15 pm on 2 August, 2023",
        [
            ("a", "We're in Tokyo! It's so hot I could cry.", ""),
            ("b", "How's the flat?", ""),
            (
                "a",
                "Small but lovely. Kenji already filled the balcony with basil and shiso.",
                "kenji_balcony",
            ),
            (
                "b",
                "Sad news from me. We lost Max last week. He was just too old, his heart gave out.",
                "max_died",
            ),
            ("a", "Oh Tom, I'm so sorry. He was the best dog.", ""),
            ("b", "He really was. The house is so quiet without him.", ""),
            ("a", "Take your time. Sending you a big hug.", ""),
            (
                "b",
                "Thanks. My brother Sam is moving to Canada in October, too, so it's a summer "
                "of goodbyes.",
                "sam_canada",
            ),
            ("a", "Sam? Why Canada?", ""),
            (
                "b",
                "He got a research job at a lab in Vancouver. Marine biology.",
                "sam_vancouver",
            ),
        ],
    ),
    (
        "8:45 pm on 14 October, 2023",
        [
            (
                "b",
                "Hana, I did a thing. I adopted a puppy. A border collie called Luna.",
                "tom_luna",
                "a photo of a black and white puppy chewing a record sleeve",
            ),
            ("a", "Tom!! Photos, immediately!", ""),
            (
                "b",
                "She already chewed the sleeve of my favourite jazz record, Kind of Blue. Tragic.",
                "luna_chewed",
            ),
            ("a", "She has taste. How's being deputy head?", ""),
            (
                "b",
                "Lots of meetings, but I'm enjoying it. I started a jazz club for the "
                "students on Wednesdays.",
                "tom_jazz_club",
            ),
            ("a", "You went from Oasis to running a jazz club. Amazing.", ""),
            ("b", "How's Tokyo? Did you find a pottery studio?", ""),
            (
                "a",
                "I did! A small place in Shimokitazawa. I'm making a tea set for the wedding.",
                "hana_shimokita",
            ),
            ("b", "That's a lovely idea.", ""),
            (
                "a",
                "Also, I quit Kansai Robotics. I'm joining a startup called Kumo Labs that "
                "makes farming drones.",
                "hana_kumo",
            ),
            ("b", "Bold move! When do you start?", ""),
            ("a", "The first of November.", "hana_kumo_start"),
        ],
    ),
    (
        "5:00 pm on 16 December, 2023",
        [
            (
                "a",
                "My grandmother turned ninety yesterday! The whole family went to Nara for "
                "the party.",
                "grandma_ninety",
            ),
            ("b", "Ninety! What's her secret?", ""),
            (
                "a",
                "Green tea, walking every day, and refusing to retire from her rice cracker shop.",
                "grandma_shop",
            ),
            ("b", "Legend. How's the startup?", ""),
            (
                "a",
                "Chaotic and fun. We're twelve people, and I'm leading the flight controller team.",
                "hana_lead",
            ),
            (
                "b",
                "Congratulations. Luna passed her puppy training class, by the way. Top of "
                "the class.",
                "luna_training",
            ),
            ("a", "Of course she did.", ""),
            (
                "b",
                "Sam flew back from Vancouver for Christmas, he says it rains even more than "
                "in Manchester.",
                "sam_christmas",
            ),
            ("a", "That's hard to believe.", ""),
            (
                "b",
                "I've stopped eating meat, by the way. Sam showed me a documentary about "
                "farming and I've gone fully vegetarian.",
                "tom_vegetarian",
            ),
            ("a", "Wow. Tom the vegetarian jazz fan. Who are you?", ""),
        ],
    ),
    (
        "9:30 am on 20 April, 2024",
        [
            (
                "b",
                "How was the wedding?! I'm so sorry I couldn't make it in the end, with the "
                "inspection at school.",
                "tom_missed_wedding",
            ),
            (
                "a",
                "It was perfect. We married at a shrine in Kyoto on the 6th of April. The "
                "cherry blossoms were out.",
                "hana_wedding",
            ),
            ("b", "That sounds magical.", ""),
            (
                "a",
                "We used the tea set I made for the ceremony. My grandmother cried.",
                "tea_set_used",
            ),
            ("b", "That's beautiful.", ""),
            ("a", "How did the inspection go?", ""),
            (
                "b",
                "We got 'outstanding'! The inspector loved the jazz club.",
                "inspection",
            ),
            ("a", "Deputy Head Tom strikes again.", ""),
            (
                "b",
                "Ha. Luna came to school for a pet therapy day. The students adore her.",
                "luna_therapy",
            ),
            ("a", "Luna the therapy dog!", ""),
        ],
    ),
    (
        "6:10 pm on 8 August, 2024",
        [
            (
                "a",
                "Tom, Kenji and I are moving again! He got a job designing a library in Sapporo.",
                "hana_sapporo",
            ),
            ("b", "Sapporo! Will you leave Kumo Labs?", ""),
            (
                "a",
                "No, they're letting me work remotely. I'll fly to Tokyo once a month.",
                "hana_remote",
            ),
            ("b", "Great deal. Snow, though.", ""),
            ("a", "I love snow! Kenji is already looking at ski gear.", "hana_snow"),
            (
                "b",
                "I'm visiting Sam in Vancouver in October. Luna is staying with my parents.",
                "tom_visit_sam",
            ),
            ("a", "Are you going to hike with Sam?", ""),
            ("b", "Definitely. And go whale watching - it's his job after all.", ""),
            ("a", "Marine biologist perks.", ""),
            (
                "b",
                "I've gone back to eating fish, by the way. Vegetarian except for fish, since "
                "the summer.",
                "tom_fish",
            ),
        ],
    ),
]

HANA_TOM_QA: list[dict[str, Any]] = [
    # 4 single-hop
    {"q": "What subject does Tom teach?", "a": "Chemistry", "c": 4, "e": ["tom_chemistry"]},
    {"q": "Where did Hana work in Osaka?", "a": "Kansai Robotics", "c": 4, "e": ["hana_osaka"]},
    {
        "q": "Who is Hana engaged to?",
        "a": "Kenji, an architect",
        "c": 4,
        "e": ["hana_engaged", "kenji_architect"],
    },
    {
        "q": "Which album changed Tom's taste in music?",
        "a": "A Love Supreme by John Coltrane",
        "c": 4,
        "e": ["tom_love_supreme"],
    },
    {"q": "Who was Hana's pottery teacher in Osaka?", "a": "Mrs. Ueda", "c": 4, "e": ["hana_ueda"]},
    {
        "q": "Where in Tokyo did Hana and Kenji find a flat?",
        "a": "Nakameguro",
        "c": 4,
        "e": ["hana_nakameguro"],
    },
    {
        "q": "What is the name of Tom's puppy?",
        "a": "Luna, a border collie",
        "c": 4,
        "e": ["tom_luna"],
        "extra": ["D12:1"],
    },
    {"q": "Which startup did Hana join?", "a": "Kumo Labs", "c": 4, "e": ["hana_kumo"]},
    {
        "q": "What does Sam do in Vancouver?",
        "a": "Marine biology research at a lab",
        "c": 4,
        "e": ["sam_vancouver"],
    },
    {
        "q": "What result did Tom's school get in its inspection?",
        "a": "Outstanding",
        "c": 4,
        "e": ["inspection"],
    },
    {
        "q": "Where is Hana's pottery studio in Tokyo?",
        "a": "Shimokitazawa",
        "c": 4,
        "e": ["hana_shimokita"],
    },
    # 2 temporal
    {"q": "When did Hana get engaged?", "a": "Sunday 19 March 2023", "c": 2, "e": ["hana_engaged"]},
    {"q": "When did Tom's dog Max die?", "a": "Late July 2023", "c": 2, "e": ["max_died"]},
    {
        "q": "When did Hana start at Kumo Labs?",
        "a": "1 November 2023",
        "c": 2,
        "e": ["hana_kumo", "hana_kumo_start"],
        "fmt": "zeros",
    },
    {
        "q": "When did Hana's grandmother turn ninety?",
        "a": "15 December 2023",
        "c": 2,
        "e": ["grandma_ninety"],
    },
    {
        "q": "When did Hana and Kenji get married?",
        "a": "6 April 2024",
        "c": 2,
        "e": ["hana_wedding"],
    },
    {"q": "When did Tom become deputy head?", "a": "September 2023", "c": 2, "e": ["tom_deputy"]},
    # 1 multi-hop
    {
        "q": "Which cities has Hana lived in?",
        "a": "Osaka, then Tokyo, then Sapporo",
        "c": 1,
        "e": ["hana_osaka", "hana_tokyo", "hana_sapporo"],
    },
    {
        "q": "What dogs has Tom had?",
        "a": "Max, an old collie who died in July 2023, then Luna, a border collie puppy",
        "c": 1,
        "e": ["tom_max", "max_died", "tom_luna"],
    },
    {
        "q": "How has Tom's diet changed?",
        "a": "Vegetarian from December 2023, eating fish again since summer 2024",
        "c": 1,
        "e": ["tom_vegetarian", "tom_fish"],
    },
    {
        "q": "How did Tom's brother Sam change Tom's habits?",
        "a": "His Coltrane records got Tom into jazz, and his documentary made Tom vegetarian",
        "c": 1,
        "e": ["tom_jazz", "tom_vegetarian"],
    },
    {
        "q": "What part did Hana's pottery play in her wedding?",
        "a": "She made a tea set at her Tokyo studio and it was used in the ceremony",
        "c": 1,
        "e": ["hana_shimokita", "tea_set_used"],
    },
    # 3 open-domain
    {
        "q": "Would Tom enjoy a live jazz concert?",
        "a": "Yes, he loves jazz and runs a jazz club",
        "c": 3,
        "e": ["tom_jazz", "tom_jazz_club"],
    },
    {
        "q": "Is Hana likely to enjoy winter in Sapporo?",
        "a": "Yes, she loves snow",
        "c": 3,
        "e": ["hana_snow"],
    },
    {
        "q": "Is Hana's grandmother likely to retire soon?",
        "a": "No, she refuses to retire from her rice cracker shop",
        "c": 3,
        "e": ["grandma_shop"],
    },
    # 5 adversarial
    {"q": "What is the name of Hana's puppy?", "adv": "Luna", "c": 5, "e": ["tom_luna"]},
    {"q": "Which startup did Tom join?", "adv": "Kumo Labs", "c": 5, "e": ["hana_kumo"]},
    {
        "q": "Where did Tom get married?",
        "adv": "At a shrine in Kyoto",
        "c": 5,
        "e": ["hana_wedding"],
    },
    {"q": "What subject does Hana teach?", "adv": "Chemistry", "c": 5, "e": ["tom_chemistry"]},
    {"q": "When did Hana's dog Max die?", "adv": "Late July 2023", "c": 5, "e": ["max_died"]},
]

# ------------------------------------------------------------------ 4. Sofia and Daniel

SOFIA_DANIEL: list[Session] = [
    (
        "4:00 pm on 7 April, 2023",
        [
            ("a", "Daniel! How's retirement treating you?", ""),
            (
                "b",
                "Splendidly. I spend most mornings in the garden. The tomatoes are coming "
                "along nicely.",
                "daniel_garden",
            ),
            ("a", "You and your tomatoes. Did you ever get the greenhouse?", ""),
            (
                "b",
                "Margaret bought it for my birthday in March. Best present in forty years of "
                "marriage.",
                "greenhouse",
            ),
            (
                "a",
                "That's sweet. I've been freelancing like mad - three weddings and a fashion "
                "shoot this month.",
                "sofia_freelance",
            ),
            ("b", "Still photographing weddings? I thought you hated them.", ""),
            (
                "a",
                "I do, but they pay the rent. I'd love a staff job at a newspaper one day.",
                "sofia_newspaper_dream",
            ),
            ("b", "You'll get there. Your photos of the flood were wonderful.", ""),
            ("a", "Thanks. Leeds is home for now, but my flat is freezing.", "sofia_leeds"),
            (
                "b",
                "Margaret says hello, by the way. She's counting down to her own retirement "
                "in June.",
                "margaret_june",
            ),
        ],
    ),
    (
        "11:20 am on 19 May, 2023",
        [
            (
                "b",
                "We've got chickens! Four hens, named after the Beatles.",
                "daniel_hens",
                "a photo of four brown hens in a wooden coop",
            ),
            ("a", "Stop it. Which one is Ringo?", ""),
            (
                "b",
                "The smallest one, and the loudest. She lays the most eggs, too.",
                "ringo",
            ),
            (
                "a",
                "Of course she does. I have news: I've gone vegetarian. I photographed a "
                "story on a pig farm and that was that.",
                "sofia_vegetarian",
            ),
            ("b", "Fair enough. More eggs for you, then.", ""),
            ("a", "Exactly! Can I have some?", ""),
            ("b", "When you visit. How's work?", ""),
            (
                "a",
                "I applied to the Yorkshire Post for a staff photographer role.",
                "sofia_applied",
            ),
            ("b", "Fingers crossed.", ""),
            (
                "a",
                "I've also started learning German. A 200-day streak on my language app!",
                "sofia_german",
            ),
        ],
    ),
    (
        "2:35 pm on 2 July, 2023",
        [
            (
                "a",
                "I got the job! Staff photographer at the Yorkshire Post, starting in August.",
                "sofia_post",
            ),
            ("b", "Marvellous! No more weddings?", ""),
            (
                "a",
                "Only my sister's. Lucia is getting married in September and she'll kill me "
                "if I don't shoot it.",
                "lucia_wedding_plan",
            ),
            ("b", "Family rates, I hope.", ""),
            ("a", "Free, plus cake. How's Margaret enjoying retirement?", ""),
            (
                "b",
                "She retired last week. She's already signed us up for a ballroom dancing class.",
                "margaret_retired",
            ),
            ("a", "Daniel dancing! I need photos.", ""),
            (
                "b",
                "Absolutely not. Also, we're planning a trip to Japan next spring for the "
                "cherry blossoms.",
                "japan_plan",
            ),
            ("a", "You'll love it. Go to Kyoto.", ""),
            ("b", "Margaret's already planned every day. I'm just carrying the bags.", ""),
        ],
    ),
    (
        "8:00 pm on 24 September, 2023",
        [
            ("a", "Lucia's wedding was yesterday! I took 2,000 photos.", "lucia_wedding"),
            ("b", "How was it?", ""),
            (
                "a",
                "Beautiful, in an old barn near Harrogate. Her husband Pedro cried through "
                "the vows.",
                "pedro",
                "a photo of a bride and groom in front of a stone barn",
            ),
            ("b", "A man with feelings. Good choice.", ""),
            ("a", "How's the ballroom dancing?", ""),
            (
                "b",
                "I can waltz now. Margaret says I have two left feet, but she's exaggerating.",
                "daniel_waltz",
            ),
            ("a", "Ha! The hens?", ""),
            ("b", "A fox got Paul last week. We've reinforced the coop.", "fox_paul"),
            ("a", "Poor Paul!", ""),
            ("b", "The other three are fine. Ringo is as loud as ever.", ""),
        ],
    ),
    (
        "1:10 pm on 12 January, 2024",
        [
            (
                "b",
                "I hate January. Grey, cold, wet. My knees ache every morning.",
                "daniel_winter",
            ),
            ("a", "You always say that. Why not spend winters somewhere warm?", ""),
            (
                "b",
                "Funny you say that - Margaret and I are looking at a small flat in Valencia. "
                "Winters in Spain, summers here.",
                "valencia_plan",
            ),
            ("a", "That sounds perfect for you.", ""),
            ("b", "How's the newspaper?", ""),
            (
                "a",
                "Brilliant. I photographed the Prime Minister's visit last month. I was so "
                "nervous my hands shook.",
                "sofia_pm",
            ),
            ("b", "Hands that shake take the best photos.", ""),
            (
                "a",
                "Also, I'm moving to Berlin in March! The paper is sending me as their Europe "
                "correspondent photographer.",
                "sofia_berlin",
            ),
            ("b", "Berlin! So that's why the German lessons.", ""),
            ("a", "Exactly. The streak is at 450 days now.", "german_450"),
        ],
    ),
    (
        "10:45 am on 14 April, 2024",
        [
            ("a", "Greetings from Berlin! I live in Kreuzberg now, above a bakery.", "kreuzberg"),
            ("b", "Jealous. We're just back from Japan!", ""),
            ("a", "How was it?", ""),
            (
                "b",
                "Unforgettable. Margaret cried at the cherry blossoms in Kyoto, and I ate my "
                "weight in ramen.",
                "japan_trip",
            ),
            ("a", "Ha! Did you think of your vegetarian friend?", ""),
            ("b", "I brought you a vegetarian ramen cookbook.", ""),
            ("a", "Aw. Actually, I'm vegan now. Berlin makes it easy.", "sofia_vegan"),
            ("b", "Eggs are off the table then. Ringo will be offended.", ""),
            ("a", "Tell Ringo I'm sorry.", ""),
            ("b", "Any other news from your family?", ""),
            (
                "a",
                "Lucia is expecting twins! They're due in October. I'm going to be an aunt "
                "twice over.",
                "lucia_twins",
            ),
        ],
    ),
    (
        "7:20 pm on 30 July, 2024",
        [
            (
                "b",
                "We bought the Valencia flat! We got the keys on Monday.",
                "valencia_bought",
            ),
            ("a", "Congratulations! When do you go?", ""),
            (
                "b",
                "November to March. Margaret is learning Spanish for it.",
                "margaret_spanish",
            ),
            ("a", "And the hens?", ""),
            (
                "b",
                "Our neighbour's son will look after them while we're away.",
                "hens_neighbour",
            ),
            (
                "a",
                "Good plan. I've started climbing, by the way. There's a bouldering gym near "
                "my flat.",
                "sofia_climbing",
            ),
            ("b", "With your camera?", ""),
            (
                "a",
                "No, I leave that at home. It's the only time I don't take photos.",
                "no_camera",
            ),
            ("b", "Good for you. Everyone needs a break from work.", ""),
            (
                "a",
                "My German is good enough to argue with my landlord now. Progress!",
                "german_landlord",
            ),
        ],
    ),
    (
        "3:30 pm on 22 October, 2024",
        [
            (
                "a",
                "The twins are here! Lucia had a boy and a girl on the 15th - Mateo and Inês.",
                "twins_born",
            ),
            ("b", "Wonderful news! Are you going home to meet them?", ""),
            (
                "a",
                "I'm flying to Leeds next week. I've already bought them tiny Berlin t-shirts.",
                "sofia_visit_leeds",
            ),
            ("b", "Brilliant. We leave for Valencia in two weeks.", ""),
            ("a", "Are you excited?", ""),
            (
                "b",
                "Very. Margaret has bought a guidebook in Spanish and won't let me read it in "
                "English.",
                "",
            ),
            ("a", "Ha! And your knees?", ""),
            ("b", "They're looking forward to the sunshine most of all.", ""),
            (
                "a",
                "I won a photography award, by the way! For my series on Berlin's night workers.",
                "sofia_award",
            ),
            ("b", "That's wonderful, Sofia. You've come a long way from weddings.", ""),
        ],
    ),
]

SOFIA_DANIEL_QA: list[dict[str, Any]] = [
    # 4 single-hop
    {
        "q": "What did Margaret give Daniel for his birthday?",
        "a": "A greenhouse",
        "c": 4,
        "e": ["greenhouse"],
    },
    {"q": "What are Daniel's hens named after?", "a": "The Beatles", "c": 4, "e": ["daniel_hens"]},
    {"q": "Which newspaper hired Sofia?", "a": "The Yorkshire Post", "c": 4, "e": ["sofia_post"]},
    {"q": "Who did Lucia marry?", "a": "Pedro", "c": 4, "e": ["pedro"]},
    {
        "q": "What class did Margaret sign up for after retiring?",
        "a": "Ballroom dancing",
        "c": 4,
        "e": ["margaret_retired"],
    },
    {"q": "What happened to Daniel's hen Paul?", "a": "A fox got her", "c": 4, "e": ["fox_paul"]},
    {
        "q": "Where is the flat Daniel and Margaret bought in Spain?",
        "a": "Valencia",
        "c": 4,
        "e": ["valencia_plan", "valencia_bought"],
    },
    {
        "q": "In which Berlin neighbourhood does Sofia live?",
        "a": "Kreuzberg",
        "c": 4,
        "e": ["kreuzberg"],
    },
    {
        "q": "What sport did Sofia take up in Berlin?",
        "a": "Climbing (bouldering)",
        "c": 4,
        "e": ["sofia_climbing"],
    },
    {
        "q": "What are the names of Lucia's twins?",
        "a": "Mateo and Inês",
        "c": 4,
        "e": ["twins_born"],
    },
    {
        "q": "What did Sofia win an award for?",
        "a": "Her photo series on Berlin's night workers",
        "c": 4,
        "e": ["sofia_award"],
    },
    # 2 temporal
    {
        "q": "When did Margaret retire?",
        "a": "Late June 2023",
        "c": 2,
        "e": ["margaret_june", "margaret_retired"],
    },
    {"q": "When was Lucia's wedding?", "a": "23 September 2023", "c": 2, "e": ["lucia_wedding"]},
    {"q": "When did Sofia move to Berlin?", "a": "March 2024", "c": 2, "e": ["sofia_berlin"]},
    {
        "q": "When did Daniel get the keys to the Valencia flat?",
        "a": "Monday 29 July 2024",
        "c": 2,
        "e": ["valencia_bought"],
    },
    {"q": "When were Lucia's twins born?", "a": "15 October 2024", "c": 2, "e": ["twins_born"]},
    {
        "q": "When did Sofia start at the Yorkshire Post?",
        "a": "August 2023",
        "c": 2,
        "e": ["sofia_post"],
    },
    # 1 multi-hop
    {
        "q": "How has Sofia's diet changed?",
        "a": "Vegetarian from May 2023, vegan by April 2024",
        "c": 1,
        "e": ["sofia_vegetarian", "sofia_vegan"],
    },
    {
        "q": "Where has Sofia lived?",
        "a": "Leeds, then Kreuzberg in Berlin",
        "c": 1,
        "e": ["sofia_leeds", "sofia_berlin", "kreuzberg"],
    },
    {
        "q": "How did Sofia's career develop?",
        "a": "Freelance wedding photographer, then staff photographer at the Yorkshire Post, "
        "then its Europe correspondent photographer in Berlin",
        "c": 1,
        "e": ["sofia_freelance", "sofia_post", "sofia_berlin"],
    },
    {
        "q": "How far has Sofia got with learning German?",
        "a": "From a 200-day streak to 450 days, and she can now argue with her landlord",
        "c": 1,
        "e": ["sofia_german", "german_450", "german_landlord"],
        "fmt": "spaces",
    },
    {
        "q": "What have Daniel and Margaret done since she retired?",
        "a": "Ballroom dancing, a trip to Japan, and buying a flat in Valencia",
        "c": 1,
        "e": ["margaret_retired", "japan_trip", "valencia_bought"],
    },
    # 3 open-domain
    {
        "q": "Would Sofia eat an omelette made with Daniel's eggs in 2024?",
        "a": "No, she is vegan now",
        "c": 3,
        "e": ["sofia_vegan"],
    },
    {
        "q": "Why would a home in Spain suit Daniel?",
        "a": "He hates cold, wet winters and his knees ache",
        "c": 3,
        "e": ["daniel_winter"],
    },
    {
        "q": "Would Sofia take photos at the bouldering gym?",
        "a": "No, she leaves her camera at home when climbing",
        "c": 3,
        "e": ["no_camera"],
    },
    # 5 adversarial
    {"q": "What is the name of Sofia's loudest hen?", "adv": "Ringo", "c": 5, "e": ["ringo"]},
    {"q": "Who did Daniel's sister Lucia marry?", "adv": "Pedro", "c": 5, "e": ["pedro"]},
    {
        "q": "When did Sofia get the keys to her Valencia flat?",
        "adv": "Monday 29 July 2024",
        "c": 5,
        "e": ["valencia_bought"],
    },
    {
        "q": "Which newspaper hired Daniel as a photographer?",
        "adv": "The Yorkshire Post",
        "c": 5,
        "e": ["sofia_post"],
    },
    {
        "q": "Whose visit did Daniel photograph with shaking hands?",
        "adv": "The Prime Minister's",
        "c": 5,
        "e": ["sofia_pm"],
    },
]

CONVERSATIONS: list[tuple[str, str, str, list[Session], list[dict[str, Any]]]] = [
    ("hm-1", "Priya", "Arjun", PRIYA_ARJUN, PRIYA_ARJUN_QA),
    ("hm-2", "Elena", "Marcus", ELENA_MARCUS, ELENA_MARCUS_QA),
    ("hm-3", "Hana", "Tom", HANA_TOM, HANA_TOM_QA),
    ("hm-4", "Sofia", "Daniel", SOFIA_DANIEL, SOFIA_DANIEL_QA),
]
# LoCoMo has date keys for sessions that never happened; so does one of ours.
DANGLING_DATES = {"hm-4": {"session_9_date_time": "9:00 am on 1 December, 2024"}}


def _format(ids: list[str], style: str | None) -> list[str]:
    """Evidence written the irregular ways LoCoMo's annotators sometimes wrote it."""
    if style == "joined":  # "D8:6; D9:17"
        return ["; ".join(ids)]
    if style == "spaces":  # "D9:1 D4:4 D4:6"
        return [" ".join(ids)]
    if style == "colon":  # "D:11:26"
        return [ids[0].replace("D", "D:", 1), *ids[1:]]
    if style == "zeros":  # "D30:05"
        return [f"D{int(s):02d}:{int(t):02d}" for s, t in (i[1:].split(":") for i in ids)]
    return ids


def build() -> list[dict[str, Any]]:
    """The fixture as LoCoMo JSON (a list of samples)."""
    samples: list[dict[str, Any]] = []
    for sample_id, speaker_a, speaker_b, sessions, questions in CONVERSATIONS:
        names = {"a": speaker_a, "b": speaker_b}
        conversation: dict[str, Any] = {"speaker_a": speaker_a, "speaker_b": speaker_b}
        labels: dict[str, str] = {}
        for number, (when, turns) in enumerate(sessions, start=1):
            conversation[f"session_{number}_date_time"] = when
            rendered = []
            for position, (speaker, text, label, *caption) in enumerate(turns, start=1):
                dia_id = f"D{number}:{position}"
                if label:
                    if label in labels:
                        raise ValueError(f"{sample_id}: label {label} used twice")
                    labels[label] = dia_id
                turn = {"speaker": names[speaker], "dia_id": dia_id, "text": text}
                if caption:
                    turn["blip_caption"] = caption[0]
                rendered.append(turn)
            conversation[f"session_{number}"] = rendered
        conversation.update(DANGLING_DATES.get(sample_id, {}))
        qa = []
        for question in questions:
            missing = [label for label in question["e"] if label not in labels]
            if missing:
                raise ValueError(f"{sample_id}: unknown evidence {missing}")
            evidence = _format([labels[label] for label in question["e"]], question.get("fmt"))
            entry: dict[str, Any] = {"question": question["q"]}
            if "adv" in question:
                entry["adversarial_answer"] = question["adv"]
            else:
                entry["answer"] = question["a"]
            entry["evidence"] = evidence + list(question.get("extra", []))
            entry["category"] = question["c"]
            qa.append(entry)
        samples.append({"sample_id": sample_id, "conversation": conversation, "qa": qa})
    return samples


if __name__ == "__main__":
    FIXTURE.write_text(json.dumps(build(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
