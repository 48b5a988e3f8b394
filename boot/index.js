// What runs before the program (index.js; scripts/lib/program-cost.js does the
// same): each file says why.
"use strict";
require("./lazy-sdk-imports");
require("./stack-traces");
require("./register-ts");
