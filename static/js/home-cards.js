// The home screen's cards of features whose screens are lazy: tonight's rounds, resident
// information still to do and the safety walks. app.js loads this module once the first screen
// is ready (after the performance mark "nattpatrull-ready"), whichever screen that is, so the
// home screen's start stays small (bench/client.py, figure 1) and the plans are still fetched
// after each sync pass. Each card then draws into the home screen on the page
// (addHomeExtension); they sit below the shift's actions, never above the SOS button.
//
// Static imports, so the cards are added in this order (the files are fetched side by side).

import "./push-cards.js"; // extra rounds sent by the desk (at the top) and the notification settings
import "./handover.js"; // the last shift's hand-over, at the top while it is not read
import "./rounds.js"; // tonight's rounds and extra rounds (first in the list: the night's main task)
import "./residents.js"; // resident information still to do
import "./walks.js"; // tonight's safety walks
import "./instructions.js"; // instructions new or changed since the guard tapped "Läst"
import "./alone.js"; // alone at night: heartbeat, "Jag är OK"-timer, "Utan täckning"
import "./drills.js"; // alarm drills: "Övningslarm" over every screen, asked at open and after sync
