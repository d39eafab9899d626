// The supervisor's alert page: the "Aktivera aviseringar" control (see ../push.js).
import { mountPushControl } from "../push.js";

const box = document.getElementById("push-control");
if (box) mountPushControl(box);
