# Runs scripts/cbp_to_drop.py on the committed CBP sample and compares its
# output with the committed drop file byte for byte.
execute_process(COMMAND ${PYTHON} ${SCRIPT} ${INPUT} -o ${OUTPUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cbp_to_drop.py exited ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUTPUT} ${EXPECTED} RESULT_VARIABLE diff)
if(NOT diff EQUAL 0)
  message(FATAL_ERROR "cbp_to_drop.py output differs from ${EXPECTED}: regenerate it (see tests/data/README.md)")
endif()
