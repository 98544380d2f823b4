console.log("ovl: not yet");
